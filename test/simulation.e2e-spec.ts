import { replayThroughServer } from '../simulation/server-replay.js';
import { modelSettings, QUICK_GRID } from '../src/simulation/models.js';
import { buildPopulation } from '../src/simulation/population.js';

/**
 * The simulation's figures are the engine's: a seeded population replayed through the real
 * server (booted on a fresh SQLite file, users registered over HTTP, inputs through
 * PresenceService on a fake clock) writes exactly the events the in-process replay predicts.
 */
describe('simulation against the real server', () => {
  const population = buildPopulation({ users: 4, seed: 5, servers: 3, minFollowers: 2, followerTailShape: 1.2 });
  const scripts = new Map(population.users.map((user) => [user.userId, user.script]));
  const settings = modelSettings(QUICK_GRID).filter((setting) => setting.pacing !== null);

  it.each([
    ['msc3032 policy at its defaults', settings.find((setting) => setting.model === 'pdu-msc3032' && setting.isDefault)!],
    ['legacy policy at its defaults', settings.find((setting) => setting.model === 'pdu-legacy' && setting.isDefault)!],
    ['msc3032 policy, every change at once, lapses derived', settings.find((setting) => setting.model === 'pdu-msc3032' && setting.knobs.settleMs === 0 && !setting.knobs.publishActivityLapses)!],
  ])('writes the events the replay predicts, event for event (%s)', async (_name, setting) => {
    const result = await replayThroughServer(setting, scripts, population.end);
    expect(result.firstDifference).toBeNull();
    expect(result.written).toEqual(expect.arrayContaining(result.predicted));
    expect(result.written).toHaveLength(result.predicted.length);
    expect(result.written.length).toBeGreaterThan(population.users.length);
    expect(new Set(result.written.map((event) => event.sender)).size).toBe(population.users.length);
    expect(result.sqliteBytes).toBeGreaterThan(0);
  });
});
