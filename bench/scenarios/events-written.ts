import { AppConfig } from '../../src/config/app-config.js';
import { legacyPolicy } from '../../src/presence/core/legacy.policy.js';
import { msc3032Policy } from '../../src/presence/core/msc3032.policy.js';
import type { PacingSettings } from '../../src/presence/core/publication-pacing.js';
import { DEFAULT_SETTINGS } from '../../src/presence/core/presence-scenario.js';
import { scriptUserDay, seededRandom } from '../../src/presence/simulation/day-script.js';
import { legacyUpdates } from '../../src/presence/simulation/legacy-updates.js';
import { EVENT_CAUSES, replayDay } from '../../src/presence/simulation/presence-cost.js';
import { pacingSettingsOf } from '../../src/presence/presence-settings.js';
import type { BenchOptions, ScenarioResult } from '../lib/scenario.js';
import { percentile } from '../lib/stats.js';

const DAY = 86_400_000;

/** The pacing of the default configuration. */
export const DEFAULT_PACING: PacingSettings = pacingSettingsOf(new AppConfig());

/** How a row's pacing differs from the defaults, as the variables that set it. */
function describe(pacing: PacingSettings): string {
  const variables: Array<[string, keyof PacingSettings]> = [
    ['PRESENCE_MAX_LAG_MS', 'maxLagMs'],
    ['PRESENCE_SETTLE_MS', 'settleMs'],
    ['PRESENCE_OFFLINE_GRACE_MS', 'offlineGraceMs'],
    ['PRESENCE_MIN_PUBLISH_INTERVAL_MS', 'minIntervalMs'],
    ['PRESENCE_PUBLISH_ACTIVITY_LAPSES', 'publishActivityLapses'],
    ['PRESENCE_PUBLISH_ACTIVITY_BLIPS', 'publishActivityBlips'],
  ];
  const changed = variables.filter(([, key]) => pacing[key] !== DEFAULT_PACING[key]).map(([name, key]) => `${name}=${String(pacing[key])}`);
  return changed.length === 0 ? 'defaults' : changed.join(', ');
}

/**
 * 4. Events written over a simulated day: a scripted population (1–3 devices each, laptop
 * workdays with meetings and breaks, phone sessions, some manual busy) replayed through the
 * engine itself (PresenceEngine on a fake clock, msc3032 policy), beside the updates the legacy
 * (Synapse) model sends for the same day. Details carry the count by cause and the publication
 * lag: for each change others can see, how long it waited before it was written (from when the
 * rules made it). A row without a target is a comparison.
 */
export function eventsWritten(options: BenchOptions, overrides: Partial<PacingSettings>, target: string | null): ScenarioResult {
  const pacing = { ...DEFAULT_PACING, ...overrides };
  const users = options.quick ? 20 : 1000;
  let presenceEvents = 0;
  let statusEvents = 0;
  let activeHours = 0;
  let legacy = 0;
  const byCause = Object.fromEntries(EVENT_CAUSES.map((cause) => [cause, 0]));
  const lags: number[] = [];
  for (let user = 0; user < users; user += 1) {
    const script = scriptUserDay(seededRandom(user + 1), 0);
    const cost = replayDay(msc3032Policy, DEFAULT_SETTINGS, pacing, script, DAY);
    presenceEvents += cost.presenceEvents;
    statusEvents += cost.statusEvents;
    activeHours += cost.activeHours;
    for (const cause of EVENT_CAUSES) byCause[cause] += cost.byCause[cause];
    lags.push(...cost.lags);
    legacy += legacyUpdates(legacyPolicy, { ...DEFAULT_SETTINGS, syncIsActivity: true }, script, DAY);
  }
  const perHour = presenceEvents / activeHours;
  const legacyPerHour = legacy / activeHours;
  const sorted = Float64Array.from(lags).sort();
  const maxLag = sorted.length > 0 ? sorted[sorted.length - 1] : 0;
  return {
    scenario: `4. m.presence events over a simulated day (${users.toLocaleString('en')} users), ${describe(pacing)}`,
    metric: 'events per active user-hour',
    value: Math.round(perHour * 100) / 100,
    baselineName: 'legacy model updates',
    baseline: Math.round(legacyPerHour * 100) / 100,
    ratio: perHour / legacyPerHour,
    target: target ?? 'comparison',
    met: target === null ? null : perHour <= 3 && maxLag <= 60_000,
    errors: 0,
    details: {
      users,
      settle_ms: pacing.settleMs,
      max_lag_setting_ms: pacing.maxLagMs,
      offline_grace_ms: pacing.offlineGraceMs,
      min_interval_ms: pacing.minIntervalMs,
      publish_activity_lapses: pacing.publishActivityLapses,
      publish_activity_blips: pacing.publishActivityBlips,
      active_user_hours: activeHours,
      presence_events: presenceEvents,
      per_hour_by_cause: Object.fromEntries(EVENT_CAUSES.map((cause) => [cause, Math.round((byCause[cause] / activeHours) * 100) / 100])),
      presence_events_by_cause: byCause,
      status_events: statusEvents,
      publications: lags.length,
      p50_lag_ms: Math.round(percentile(sorted, 0.5)),
      p95_lag_ms: Math.round(percentile(sorted, 0.95)),
      max_lag_ms: Math.round(maxLag),
      legacy_updates: legacy,
    },
  };
}
