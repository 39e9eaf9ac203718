import { legacyPolicy } from '../../src/presence/core/legacy.policy.js';
import { msc3032Policy } from '../../src/presence/core/msc3032.policy.js';
import { DEFAULT_SETTINGS } from '../../src/presence/core/presence-scenario.js';
import { scriptUserDay, seededRandom } from '../../src/presence/simulation/day-script.js';
import { replayDay } from '../../src/presence/simulation/presence-cost.js';
import type { BenchOptions, ScenarioResult } from '../lib/scenario.js';

const DAY = 86_400_000;

/**
 * 4. Events written over a simulated day: a scripted population (1–3 devices each, laptop
 * workdays with meetings and breaks, phone sessions, some manual busy) replayed through the
 * msc3032 policy exactly as the engine evaluates and publishes, beside the updates the legacy
 * (Synapse) model sends for the same day. `settleMs` is PRESENCE_SETTLE_MS (default 10 minutes);
 * a row without a target is a comparison.
 */
export function eventsWritten(options: BenchOptions, settleMs: number, target: string | null): ScenarioResult {
  const users = options.quick ? 20 : 1000;
  let presenceEvents = 0;
  let statusEvents = 0;
  let activeHours = 0;
  let legacyUpdates = 0;
  for (let user = 0; user < users; user += 1) {
    const script = scriptUserDay(seededRandom(user + 1), 0);
    const cost = replayDay(msc3032Policy, DEFAULT_SETTINGS, script, DAY, { minIntervalMs: 0, settleMs });
    presenceEvents += cost.presenceEvents;
    statusEvents += cost.statusEvents;
    activeHours += cost.activeHours;
    legacyUpdates += replayDay(legacyPolicy, { ...DEFAULT_SETTINGS, syncIsActivity: true }, script, DAY, { minIntervalMs: 0, settleMs: 0 }).legacyUpdates;
  }
  const perHour = presenceEvents / activeHours;
  const legacyPerHour = legacyUpdates / activeHours;
  return {
    scenario: `4. m.presence events over a simulated day (${users.toLocaleString('en')} users), PRESENCE_SETTLE_MS=${settleMs}`,
    metric: 'events per active user-hour',
    value: Math.round(perHour * 100) / 100,
    baselineName: 'legacy model updates',
    baseline: Math.round(legacyPerHour * 100) / 100,
    ratio: perHour / legacyPerHour,
    target: target ?? 'comparison: every change written at once',
    met: target === null ? null : perHour <= 3,
    errors: 0,
    details: { users, settle_ms: settleMs, active_user_hours: activeHours, presence_events: presenceEvents, status_events: statusEvents, legacy_updates: legacyUpdates },
  };
}
