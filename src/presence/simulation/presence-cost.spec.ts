import { legacyPolicy } from '../core/legacy.policy.js';
import { msc3032Policy } from '../core/msc3032.policy.js';
import { DEFAULT_SETTINGS } from '../core/presence-scenario.js';
import { scriptUserDay, seededRandom } from './day-script.js';
import { replayDay } from './presence-cost.js';

const DAY = 86_400_000;
const AT_ONCE = { minIntervalMs: 0, settleMs: 0 };
const SETTLED = { minIntervalMs: 0, settleMs: 600_000 };

describe('presence cost of a simulated day', () => {
  it('counts one m.presence per change a scripted user goes through', () => {
    const script = [
      { at: 0, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 30_000, input: { kind: 'sync-end' as const, deviceId: 'A' } },
      { at: 30_000, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 60_000, input: { kind: 'sync-end' as const, deviceId: 'A' } },
    ];
    const cost = replayDay(msc3032Policy, DEFAULT_SETTINGS, script, 200_000, AT_ONCE);
    // online and active → currently_active off at 60 s → offline 30 s after the last poll ended (90 s).
    expect(cost.presenceEvents).toBe(3);
    expect(cost.activeHours).toBe(1);
  });

  it('lets a change the clock makes settle, but not going offline', () => {
    const script = [
      { at: 0, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 30_000, input: { kind: 'sync-end' as const, deviceId: 'A' } },
    ];
    // currently_active lapsing at 60 s is still settling when the device times out at 60 s: online, then offline.
    expect(replayDay(msc3032Policy, DEFAULT_SETTINGS, script, 200_000, SETTLED).presenceEvents).toBe(2);
    const activeAgain = [
      ...script,
      { at: 30_000, input: { kind: 'sync' as const, deviceId: 'A', state: 'online' as const } },
      { at: 200_000, input: { kind: 'activity' as const, deviceId: 'A' } },
    ];
    // The lapse at 60 s is undone by the activity at 200 s before it settled: nothing more is written.
    expect(replayDay(msc3032Policy, DEFAULT_SETTINGS, activeAgain, 300_000, SETTLED).presenceEvents).toBe(1);
  });

  it('is reproducible from a seed, and the new model writes fewer events than legacy sends', () => {
    const run = (seed: number) => scriptUserDay(seededRandom(seed), 0);
    expect(run(7)).toEqual(run(7));
    let events = 0;
    let legacy = 0;
    for (let user = 0; user < 20; user += 1) {
      events += replayDay(msc3032Policy, DEFAULT_SETTINGS, run(user), DAY, SETTLED).presenceEvents;
      legacy += replayDay(legacyPolicy, { ...DEFAULT_SETTINGS, syncIsActivity: true }, run(user), DAY, AT_ONCE).legacyUpdates;
    }
    expect(events).toBeGreaterThan(0);
    expect(events).toBeLessThan(legacy);
  });
});
