import { legacyPolicy } from '../core/legacy.policy.js';
import { msc3032Policy } from '../core/msc3032.policy.js';
import type { PacingSettings } from '../core/publication-pacing.js';
import { DEFAULT_SETTINGS } from '../core/presence-scenario.js';
import { scriptUserDay, seededRandom } from './day-script.js';
import { legacyUpdates } from './legacy-updates.js';
import { replayDay } from './presence-cost.js';

const DAY = 86_400_000;
const AT_ONCE: PacingSettings = { maxLagMs: 600_000, minIntervalMs: 0, settleMs: 0, offlineGraceMs: 0, publishActivityLapses: true, publishActivityBlips: true, lastActiveGranularityMs: 60_000 };
const SETTLED: PacingSettings = { ...AT_ONCE, settleMs: 600_000 };

describe('presence cost of a simulated day', () => {
  it('counts one m.presence per change a scripted user goes through, by cause, with its lag', () => {
    const script = [
      { at: 0, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 30_000, input: { kind: 'sync-end' as const, deviceId: 'A' } },
      { at: 30_000, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 60_000, input: { kind: 'sync-end' as const, deviceId: 'A' } },
    ];
    const cost = replayDay(msc3032Policy, DEFAULT_SETTINGS, AT_ONCE, script, 200_000);
    // online and active → currently_active off at 60 s → offline 30 s after the last poll ended (90 s).
    expect(cost.presenceEvents).toBe(3);
    expect(cost.byCause).toMatchObject({ online: 1, active_lapse: 1, offline: 1 });
    expect(cost.lags).toEqual([0, 0, 0]);
    expect(cost.activeHours).toBe(1);
  });

  it('lets a change the clock makes settle, but not going offline', () => {
    const script = [
      { at: 0, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 30_000, input: { kind: 'sync-end' as const, deviceId: 'A' } },
    ];
    // currently_active lapsing at 60 s is still settling when the device times out at 60 s: online, then offline.
    expect(replayDay(msc3032Policy, DEFAULT_SETTINGS, SETTLED, script, 200_000).presenceEvents).toBe(2);
    const activeAgain = [
      ...script,
      { at: 30_000, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 200_000, input: { kind: 'activity' as const, deviceId: 'A' } },
    ];
    // The lapse at 60 s is undone by the activity at 200 s before it settled: nothing more is written.
    expect(replayDay(msc3032Policy, DEFAULT_SETTINGS, SETTLED, activeAgain, 300_000).presenceEvents).toBe(1);
  });

  it('measures how long a settled change waited, from when the rules made it', () => {
    const script = [
      { at: 0, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 500_000, input: { kind: 'sync-end' as const, deviceId: 'A' } },
    ];
    const cost = replayDay(msc3032Policy, DEFAULT_SETTINGS, { ...AT_ONCE, settleMs: 45_000 }, script, 600_000);
    // The lapse at 60 s and idling at 300 s each wait 45 s; going offline at 530 s does not wait.
    expect(cost.byCause).toEqual({ online: 1, active_lapse: 1, presence: 1, offline: 1, active_again: 0, active_refresh: 0 });
    expect(cost.lags).toEqual([0, 45_000, 45_000, 0]);
  });

  it('is reproducible from a seed, and the new model writes fewer events than legacy sends', () => {
    const run = (seed: number) => scriptUserDay(seededRandom(seed), 0);
    expect(run(7)).toEqual(run(7));
    let events = 0;
    let legacy = 0;
    for (let user = 0; user < 20; user += 1) {
      events += replayDay(msc3032Policy, DEFAULT_SETTINGS, SETTLED, run(user), DAY).presenceEvents;
      legacy += legacyUpdates(legacyPolicy, { ...DEFAULT_SETTINGS, syncIsActivity: true }, run(user), DAY);
    }
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThan(legacy);
  });
});
