import { TestClient } from '../support/client.js';
import { TestCluster } from '../support/cluster.js';

const enc = encodeURIComponent;

/**
 * A user's own presence, read on a process that does not own presence, is the owner's right after
 * the input, even when nothing is published yet (a change held back by the pacing, whose
 * liveness reaches the store only at the owner's next tick).
 */
describe('the own presence on a process that forwards its inputs', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    // Once a user has published, their next change waits a minute to be published.
    cluster = await TestCluster.start(2, { PRESENCE_MIN_PUBLISH_INTERVAL_MS: '60000' });
  }, 180_000);

  afterAll(() => cluster?.stop());

  const ownPresence = (response: Record<string, any>, userId: string) =>
    (response.presence?.events ?? []).find((event: { sender: string }) => event.sender === userId)?.content;

  it("shows a /sync's set_presence in that sync's own presence and in GET, before others see it", async () => {
    // The first process started holds the lease: the second forwards.
    const alice = await TestClient.register(cluster.url(1));
    expect(ownPresence(await alice.sync({ set_presence: 'online', timeout: 0 }), alice.userId)).toMatchObject({ presence: 'online' });
    expect(ownPresence(await alice.sync({ set_presence: 'unavailable', timeout: 0 }), alice.userId)).toMatchObject({ presence: 'unavailable' });
    expect(await alice.ok('GET', `/presence/${enc(alice.userId)}/status`)).toMatchObject({ presence: 'unavailable' });
    // Not published yet (the pacing holds it for a minute): others do not see it.
    const bob = await TestClient.register(cluster.url(1));
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).not.toBe('unavailable');
  });
});
