import fc from 'fast-check';
import { seededRandom } from '../presence/simulation/day-script.js';
import { buildPopulation, DAY, paretoCount, SIMULATED_DAY, withNetworkDrops } from './population.js';

const OPTIONS = { users: 40, seed: 3, servers: 5, minFollowers: 2, followerTailShape: 1.2 };

describe('simulated population', () => {
  it('is the same for the same seed, and another for another', () => {
    expect(buildPopulation(OPTIONS)).toEqual(buildPopulation(OPTIONS));
    expect(buildPopulation({ ...OPTIONS, seed: 4 }).users[0].script).not.toEqual(buildPopulation(OPTIONS).users[0].script);
  });

  it('places each day in its user\'s time zone, in time order', () => {
    const population = buildPopulation(OPTIONS);
    expect(new Set(population.users.map((user) => user.utcOffsetHours)).size).toBeGreaterThan(2);
    for (const user of population.users) {
      expect(user.dayStart).toBe(SIMULATED_DAY - user.utcOffsetHours * 3_600_000);
      const times = user.script.map(({ at }) => at);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times[0]).toBeGreaterThanOrEqual(user.dayStart);
      expect(times[times.length - 1]).toBeLessThan(user.dayStart + DAY);
      expect(population.start).toBeLessThanOrEqual(times[0]);
      expect(population.end).toBeGreaterThan(times[times.length - 1]);
    }
  });

  it('gives every user distinct followers other than themselves, on servers in range', () => {
    const population = buildPopulation(OPTIONS);
    population.users.forEach((user, index) => {
      expect(user.followers.length).toBeGreaterThanOrEqual(OPTIONS.minFollowers);
      expect(new Set(user.followers).size).toBe(user.followers.length);
      expect(user.followers).not.toContain(index);
    });
    expect(population.followerServers.every((server) => server >= 0 && server <= OPTIONS.servers)).toBe(true);
  });

  it('draws follower counts from a heavy tail, never under the minimum nor over the cap', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 20 }), (seed, minimum) => {
        const random = seededRandom(seed);
        for (let draw = 0; draw < 50; draw += 1) {
          const count = paretoCount(random, minimum, 1.2, 500);
          expect(count).toBeGreaterThanOrEqual(minimum);
          expect(count).toBeLessThanOrEqual(500);
        }
      }),
    );
    const random = seededRandom(1);
    const counts = Array.from({ length: 10_000 }, () => paretoCount(random, 5, 1.2, 100_000));
    // The heaviest user has far more followers than the typical one.
    expect(Math.max(...counts)).toBeGreaterThan(50 * [...counts].sort((a, b) => a - b)[5000]);
  });

  it('drops a phone\'s polls and activity in a spell, keeping every poll that starts paired with its end', () => {
    const script = [0, 30_000, 60_000, 90_000].flatMap((at) => [
      { at, input: { kind: 'sync' as const, deviceId: 'phone', state: 'online' as const } },
      { at: at + 10_000, input: { kind: 'activity' as const, deviceId: 'phone' } },
      { at: at + 30_000, input: { kind: 'sync-end' as const, deviceId: 'phone' } },
    ]);
    script.sort((a, b) => a.at - b.at);
    const kept = withNetworkDrops(script, 'phone', [{ start: 30_000, end: 90_000 }]);
    expect(kept.map(({ at, input }) => `${input.kind}@${at / 1000}`)).toEqual(['sync@0', 'activity@10', 'sync-end@30', 'sync@90', 'activity@100', 'sync-end@120']);
  });
});
