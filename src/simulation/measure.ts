import { MscIdentifiers } from '../common/msc-identifiers.js';
import { msc3032Policy } from '../presence/core/msc3032.policy.js';
import type { PresenceView } from '../presence/core/presence-model.js';
import { DEFAULT_SETTINGS } from '../presence/core/presence-scenario.js';
import { presenceEventCause } from '../presence/core/publication-pacing.js';
import { legacyPresenceContent } from '../presence/presence-events.js';
import { EVENT_CAUSES } from '../presence/simulation/presence-cost.js';
import { legacyUpdates } from '../presence/simulation/legacy-updates.js';
import { runEngine, type WrittenEvent } from './engine-run.js';
import { federationFigures, type FederationFigures } from './federation.js';
import { countFlipFlops, percentile, ratio } from './figures.js';
import type { ModelSetting } from './models.js';
import type { Population } from './population.js';
import { retainedBytesPerUser, type StoredEvent } from './retention.js';
import { storedEventBytes } from './wire-sizes.js';

/** Users run through one engine at a time: enough to share its timer wheel, few enough to keep memory flat. */
const ENGINE_CHUNK = 250;

/** Pacing that publishes everything at once: used only to see when users were live. */
const AT_ONCE = { maxLagMs: 0, minIntervalMs: 0, settleMs: 0, offlineGraceMs: 0, publishActivityLapses: true, publishActivityBlips: true, lastActiveGranularityMs: 60_000 };

/**
 * How many hours each user had a device live (the denominator of every per-hour figure, the
 * same for every model): from the engine's own device inputs, under the default settings.
 */
export function activeHoursOf(population: Population): number[] {
  const hours: number[] = [];
  for (let first = 0; first < population.users.length; first += ENGINE_CHUNK) {
    const chunk = population.users.slice(first, first + ENGINE_CHUNK);
    const runs = runEngine(msc3032Policy, DEFAULT_SETTINGS, AT_ONCE, new Map(chunk.map((user) => [user.userId, user.script])), population.end);
    for (const user of chunk) hours.push(runs.get(user.userId)!.activeHours.size);
  }
  return hours;
}

/**
 * Each user's updates under a model: for the EDU model, every update the legacy server sends
 * (legacyUpdates); for the state-event models, every event the engine publishes (runEngine).
 * `onChunk` hears progress in users.
 */
export function collectUpdates(population: Population, setting: ModelSetting, onChunk: (users: number) => void = () => {}): WrittenEvent[][] {
  const results: WrittenEvent[][] = [];
  const { pacing } = setting;
  for (let first = 0; first < population.users.length; first += ENGINE_CHUNK) {
    const chunk = population.users.slice(first, first + ENGINE_CHUNK);
    if (pacing === null) {
      for (const user of chunk) {
        const updates: WrittenEvent[] = [];
        let previous: PresenceView | null = null;
        legacyUpdates(setting.policy, setting.settings, user.script, population.end, (at, view) => {
          updates.push({ at, kind: 'presence', view, previous, lag: 0 });
          previous = view;
        });
        results.push(updates);
      }
    } else {
      const runs = runEngine(setting.policy, setting.settings, pacing, new Map(chunk.map((user) => [user.userId, user.script])), population.end);
      for (const user of chunk) results.push(runs.get(user.userId)!.events);
    }
    onChunk(chunk.length);
  }
  return results;
}

export type Cause = (typeof EVENT_CAUSES)[number] | 'status' | 'last_active';

export interface ModelFigures {
  id: string;
  model: ModelSetting['model'];
  isDefault: boolean;
  knobs: ModelSetting['knobs'];
  users: number;
  activeUserHours: number;
  /** m.presence and m.status events (updates, for the EDU model) per active user-hour, and by cause. */
  updates: number;
  updatesPerActiveUserHour: number;
  byCausePerActiveUserHour: Record<Cause, number>;
  /** Bytes of event JSON persisted per user-day (0 for the EDU model, which persists no events). */
  storedBytesPerUserDay: number;
  deliveriesPerFollowerDay: number;
  deliveredBytesPerFollowerDay: number;
  /** Seconds between a change others can see and its publication. */
  lagP50: number;
  lagP95: number;
  lagMax: number;
  flipFlops: number;
  flipFlopsPerActiveUserHour: number;
  federation: FederationFigures;
  /**
   * At a state-event model's defaults: the mean bytes of event JSON a user keeps at the end of
   * each of 30 days of that day repeated, with no retention and with each retention window.
   */
  retention: Array<{ label: string; bytesByDay: number[] }>;
}

const IDS = new MscIdentifiers('stable');
const FLIP_FLOP_WINDOW_MS = 60_000;

/** The bytes a follower's client receives for an update: the state event, or the legacy m.presence event in /sync. */
function deliveredBytes(setting: ModelSetting, userId: string, update: WrittenEvent): number {
  if (setting.model !== 'edu-legacy') return storedEventBytes(userId, update.kind, update.view, update.previous, update.at);
  return Buffer.byteLength(JSON.stringify({ type: 'm.presence', sender: userId, content: legacyPresenceContent(update.view, update.at, IDS) }));
}

/** The figures of one model and setting over the population's day. */
export function modelFigures(population: Population, setting: ModelSetting, perUser: WrittenEvent[][], activeHours: number[]): ModelFigures {
  const byCause = Object.fromEntries([...EVENT_CAUSES, 'status', 'last_active'].map((cause) => [cause, 0])) as Record<Cause, number>;
  let activeUserHours = 0;
  let updates = 0;
  let storedBytes = 0;
  let deliveries = 0;
  let delivered = 0;
  let flipFlops = 0;
  const lags: number[] = [];
  const followers = new Set<number>();
  const stored: StoredEvent[][] = [];
  population.users.forEach((user, index) => {
    const run = perUser[index];
    activeUserHours += activeHours[index];
    updates += run.length;
    flipFlops += countFlipFlops(run.filter((update) => update.kind === 'presence'), FLIP_FLOP_WINDOW_MS);
    user.followers.forEach((follower) => followers.add(follower));
    const kept: StoredEvent[] = [];
    stored.push(kept);
    for (const update of run) {
      byCause[update.kind === 'status' ? 'status' : (presenceEventCause(update.previous, update.view, update.refresh) ?? 'last_active')] += 1;
      lags.push(update.lag);
      const bytes = deliveredBytes(setting, user.userId, update);
      if (setting.model !== 'edu-legacy') {
        storedBytes += bytes;
        kept.push({ at: update.at, kind: update.kind, bytes });
      }
      deliveries += user.followers.length;
      delivered += bytes * user.followers.length;
    }
  });
  const perHour = (count: number) => ratio(count, activeUserHours);
  return {
    id: setting.id,
    model: setting.model,
    isDefault: setting.isDefault,
    knobs: setting.knobs,
    users: population.users.length,
    activeUserHours,
    updates,
    updatesPerActiveUserHour: perHour(updates),
    byCausePerActiveUserHour: Object.fromEntries(Object.entries(byCause).map(([cause, count]) => [cause, perHour(count)])) as Record<Cause, number>,
    storedBytesPerUserDay: ratio(storedBytes, population.users.length),
    deliveriesPerFollowerDay: ratio(deliveries, followers.size),
    deliveredBytesPerFollowerDay: ratio(delivered, followers.size),
    lagP50: percentile(lags, 50) / 1000,
    lagP95: percentile(lags, 95) / 1000,
    lagMax: lags.reduce((max, lag) => Math.max(max, lag), 0) / 1000,
    flipFlops,
    flipFlopsPerActiveUserHour: perHour(flipFlops),
    federation: federationFigures(population, setting.model, perUser),
    retention: setting.isDefault && setting.model !== 'edu-legacy' ? retainedBytesPerUser(population.users, stored) : [],
  };
}
