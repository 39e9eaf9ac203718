import { runLive } from '../simulation/live-run.js';
import { busiestWindow, liveOperations } from '../src/simulation/live-script.js';
import { liveEnvironment, liveServerSettings } from '../src/simulation/live-settings.js';
import { buildPopulation } from '../src/simulation/population.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const SCALE = 30;
const MARGIN_MS = 200;

/** The busiest `minutes` of a small population, as each user's operations at SCALE. */
function plansOf(users: number, minutes: number) {
  const population = buildPopulation({ users, seed: 3, servers: 1, minFollowers: 1, followerTailShape: 1.2 });
  const window = busiestWindow(population.users.map((user) => user.script), minutes * 60_000);
  return population.users.map((user) => liveOperations(user.script, window, SCALE)).filter((plan) => plan.length > 0);
}

/**
 * `npm run simulate -- --live`: a population's stretch replayed over HTTP against a running
 * server with its timers scaled down, by real clients; the events the server wrote are those
 * the in-process replay predicts for the inputs it took, event for event.
 */
describe('simulation --live against a running server', () => {
  const environment = liveEnvironment(SCALE);
  let server: TestServer;

  afterEach(async () => {
    await server?.close();
  });

  it('writes the events the replay predicts for the inputs its clients made', async () => {
    server = await startTestServer(environment);
    const plans = plansOf(4, 6);
    const result = await runLive({ baseUrl: server.baseUrl, server: liveServerSettings(environment), plans, marginMs: MARGIN_MS });
    expect(result.comparison.mismatches).toEqual([]);
    expect(result.comparison.matched).toBe(true);
    expect(result.written).toHaveLength(result.predicted.length);
    expect(result.users).toBe(plans.length);
    // Every user published something, and more than their sign-in.
    expect(new Set(result.written.map((event) => event.sender)).size).toBe(plans.length);
    expect(result.written.length).toBeGreaterThan(2 * plans.length);
    expect(result.inputs).toBeGreaterThan(plans.flat().length);
  }, 60_000);

  it('reports the differences when the server runs with other timers than the replay assumes', async () => {
    // Settling is not advertised: only the comparison can tell.
    server = await startTestServer({ ...environment, PRESENCE_SETTLE_MS: '0' });
    const result = await runLive({ baseUrl: server.baseUrl, server: liveServerSettings(environment), plans: plansOf(4, 3).slice(0, 2), marginMs: MARGIN_MS });
    expect(result.comparison.matched).toBe(false);
    expect(result.comparison.mismatches[0].lines.some((line) => line.startsWith('+ '))).toBe(true);
  }, 60_000);

  it('refuses a server that advertises other settings than the run expects', async () => {
    server = await startTestServer(liveEnvironment(20));
    await expect(runLive({ baseUrl: server.baseUrl, server: liveServerSettings(environment), plans: plansOf(4, 3).slice(0, 1), marginMs: MARGIN_MS })).rejects.toThrow(
      /max_publication_lag_ms: the server advertises 3000, the run expects 2000/,
    );
  });
});
