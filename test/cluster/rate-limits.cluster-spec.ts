import { TestClient } from '../support/client.js';
import { TestCluster } from '../support/cluster.js';

const enc = encodeURIComponent;

/** Rate limits per user hold for the cluster, not per process: N processes do not give N times the limit. */
describe('rate limits across processes', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    // A bucket of 4 that refills one token in 1000 s: within the test, only the burst counts.
    cluster = await TestCluster.start(3, {
      RATE_LIMIT_PRESENCE_PER_SECOND: '0.001',
      RATE_LIMIT_PRESENCE_BURST: '4',
      RATE_LIMIT_PEEK_PER_SECOND: '0.001',
      RATE_LIMIT_PEEK_BURST: '2',
    });
  }, 180_000);

  afterAll(() => cluster?.stop());

  it('spends one presence bucket per user whichever process takes the update, and answers 429 on every one once it is empty', async () => {
    const alice = await TestClient.register(cluster.url(0));
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1) {
      const onProcess = new TestClient(cluster.url(attempt % 3), alice.userId, alice.accessToken, alice.deviceId);
      const response = await onProcess.request('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online', status_msg: `update ${attempt}` });
      statuses.push(response.status);
      if (response.status === 429) expect(response.body).toMatchObject({ errcode: 'M_LIMIT_EXCEEDED', retry_after_ms: expect.any(Number) });
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    // A /sync whose set_presence would change the device's state goes on over the limit, its change dropped, on any process.
    const syncing = new TestClient(cluster.url(2), alice.userId, alice.accessToken, alice.deviceId);
    await syncing.sync({ set_presence: 'unavailable', timeout: 0 });
    const seen = await new TestClient(cluster.url(1), alice.userId, alice.accessToken, alice.deviceId).request('GET', `/presence/${enc(alice.userId)}/status`);
    expect(seen.body).toMatchObject({ presence: 'online', status_msg: 'update 3' });
    // Another user has a bucket of their own.
    const bob = await TestClient.register(cluster.url(1));
    expect((await bob.request('PUT', `/presence/${enc(bob.userId)}/status`, { presence: 'online' })).status).toBe(200);
  });

  it('shares the MSC2753 peek bucket the same way', async () => {
    const owner = await TestClient.register(cluster.url(0));
    const rooms = [];
    for (let index = 0; index < 3; index += 1) rooms.push(await owner.createRoom({ preset: 'public_chat', initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'world_readable' } }] }));
    const peeker = await TestClient.register(cluster.url(0));
    const statuses: number[] = [];
    for (const [index, roomId] of rooms.entries()) {
      const onProcess = new TestClient(cluster.url(index), peeker.userId, peeker.accessToken, peeker.deviceId);
      statuses.push((await onProcess.request('POST', `/_matrix/client/unstable/org.matrix.msc2753/peek/${enc(roomId)}`, {})).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
  });
});
