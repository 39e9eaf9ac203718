import { TestClient } from './support/client.js';
import { graphql } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/test-server.js';

interface Row {
  manual: string | null;
  appear_offline_since: number | null;
  status_msg: string | null;
  devices: string;
}

/**
 * What a client is told was taken is committed before the answer: right after each 200, a
 * second connection to the database already reads the user's inputs row as the request
 * left it (the timer tick, which writes device liveness, is an hour away here).
 */
describe('presence inputs are committed before the answer', () => {
  let server: TestServer;
  let alice: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ PRESENCE_TIMER_TICK_MS: '60000', RATE_LIMIT_PRESENCE_BURST: '100' });
    alice = await TestClient.register(server.baseUrl);
  });

  afterAll(async () => {
    await server?.close();
  });

  const row = async () =>
    (await server.database.query<Row>('SELECT manual, appear_offline_since, status_msg, devices FROM presence_state WHERE user_id = $1', [alice.userId]))[0];
  const mutate = async (mutation: string) => {
    const response = await graphql(server.baseUrl, alice.accessToken, `mutation { ${mutation} { state } }`);
    expect(response.errors).toBeUndefined();
  };

  it('a legacy PUT', async () => {
    await alice.ok('PUT', `/presence/${encodeURIComponent(alice.userId)}/status`, { presence: 'busy', status_msg: 'in a call' });
    expect(await row()).toMatchObject({ manual: 'busy', status_msg: 'in a call' });
  });

  it('the GraphQL mutations', async () => {
    await mutate('setStatus(statusMsg: "lunch")');
    expect(await row()).toMatchObject({ status_msg: 'lunch' });
    await mutate('setManualPresence(state: UNAVAILABLE)');
    expect(await row()).toMatchObject({ manual: 'unavailable', status_msg: 'lunch' });
    await mutate('setAppearOffline(enabled: true)');
    expect((await row())?.appear_offline_since).not.toBeNull();
    await mutate('clearManualPresence');
    expect(await row()).toMatchObject({ manual: null, appear_offline_since: null });
  });

  it('a device report through the MSC3032 activity endpoint', async () => {
    await alice.ok('POST', '/_matrix/client/unstable/org.matrix.msc3032/presence/activity', { state: 'unavailable' });
    expect(JSON.parse((await row())!.devices)).toEqual([expect.objectContaining({ deviceId: alice.deviceId, state: 'unavailable' })]);
  });

  it('a /sync that publishes a change writes the row with it', async () => {
    const bob = await TestClient.register(server.baseUrl);
    await bob.sync({ timeout: 0, set_presence: 'online' });
    const published = await bob.ok('GET', `/rooms/${encodeURIComponent(await bob.profileRoomId())}/state/m.presence`);
    expect(published.presence).toBe('online');
    const [bobRow] = await server.database.query<Row>('SELECT devices FROM presence_state WHERE user_id = $1', [bob.userId]);
    expect(JSON.parse(bobRow!.devices)).toEqual([expect.objectContaining({ deviceId: bob.deviceId, state: 'online' })]);
  });
});
