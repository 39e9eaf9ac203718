import type { PresencePolicy, PresenceSettings } from '../core/presence-model.js';
import { publicationEvents } from '../core/presence-rules.js';
import { type PacingSettings, type PresenceEventCause, presenceEventCause } from '../core/publication-pacing.js';
import { PresenceEngine, type Publication } from '../presence-engine.js';
import type { ScriptedInput } from './day-script.js';

export const EVENT_CAUSES: readonly PresenceEventCause[] = ['online', 'offline', 'presence', 'active_lapse', 'active_again', 'active_refresh'];

export interface PresenceCost {
  /** m.presence state events the engine published. */
  presenceEvents: number;
  /** The same, by what changed (publication-pacing.ts). */
  byCause: Record<PresenceEventCause, number>;
  statusEvents: number;
  /** For each publication: how long the change others can see waited before it was written (ms). */
  lags: number[];
  /** Hours in which at least one device of the user was live. */
  activeHours: number;
}

const USER = '@simulated:localhost';

/**
 * Replays a user's scripted inputs through the engine itself (PresenceEngine, as PresenceService
 * runs it) on a fake clock: each input at its time, and each sweep of the timer wheel at the time
 * it falls due. Counts what the engine publishes, by cause, and how late.
 */
export function replayDay(
  policy: PresencePolicy,
  settings: PresenceSettings,
  pacing: PacingSettings,
  script: ScriptedInput[],
  dayEnd: number,
  tickMs = 1000,
): PresenceCost {
  const clock = { time: script[0]?.at ?? 0, now: () => clock.time };
  const engine = new PresenceEngine(policy, settings, pacing, clock, tickMs);
  const cost: PresenceCost = { presenceEvents: 0, byCause: Object.fromEntries(EVENT_CAUSES.map((cause) => [cause, 0])) as PresenceCost['byCause'], statusEvents: 0, lags: [], activeHours: 0 };
  const activeHours = new Set<number>();
  const record = (publication: Publication | null) => {
    if (!publication) return;
    for (const kind of publicationEvents(publication.previous, publication.view, publication.refresh)) {
      if (kind === 'status') cost.statusEvents += 1;
      else {
        cost.presenceEvents += 1;
        const cause = presenceEventCause(publication.previous, publication.view, publication.refresh);
        if (cause) cost.byCause[cause] += 1;
      }
    }
    cost.lags.push(clock.time - publication.changedAt);
  };
  const noteLive = () => {
    const inputs = engine.tracked(USER)?.inputs;
    if (inputs?.devices.some((device) => clock.time < device.lastSeenTs + settings.syncOnlineTimeoutMs)) activeHours.add(Math.floor(clock.time / 3_600_000));
  };
  const sweepUntil = (end: number) => {
    for (let due = engine.nextDueAt(); due !== null && due <= end; due = engine.nextDueAt()) {
      clock.time = Math.max(clock.time, due);
      engine.sweep().forEach(record);
      noteLive();
    }
  };
  for (const { at, input } of script) {
    sweepUntil(at);
    clock.time = at;
    record(engine.apply(USER, [input]).publication);
    noteLive();
  }
  sweepUntil(dayEnd);
  cost.activeHours = activeHours.size;
  return cost;
}
