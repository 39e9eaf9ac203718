import { Redis } from 'ioredis';
import { TestClient } from '../support/client.js';
import { TEST_REDIS_URL, TestCluster } from '../support/cluster.js';
import { graphql, Subscription, wsFor } from '../support/graphql.js';
import { presenceOf } from '../support/presence.js';

const enc = encodeURIComponent;
const ADMIN = 'liveadmin';
const PRESENCE_CHANGED = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId state statusMsg currentlyActive } }';
type PresenceItem = { presenceChanged: { userId: string; state: string; statusMsg: string | null; currentlyActive: boolean } };

/**
 * Three processes: GraphQL changes published once on Redis and delivered once, derived presence
 * changes (currently_active lapses readers derive, no event written) reaching every process, and
 * reads on one process of what another acknowledged.
 */
describe('live delivery across three processes', () => {
  let cluster: TestCluster;
  let admin: TestClient;
  const sockets: Array<{ dispose(): unknown }> = [];
  const listeners: Redis[] = [];

  beforeAll(async () => {
    cluster = await TestCluster.start(3, {
      RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
      RATE_LIMIT_PRESENCE_BURST: '1000',
      PRESENCE_PUBLISH_ACTIVITY_LAPSES: 'false',
      PRESENCE_LAST_ACTIVE_GRANULARITY_MS: '5000',
      ADMIN_USERS: `@${ADMIN}:localhost`,
    });
    admin = await TestClient.register(cluster.url(0), ADMIN);
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets) await socket.dispose();
    for (const listener of listeners) listener.disconnect();
    await cluster?.stop();
  });

  const on = (client: TestClient, index: number) => new TestClient(cluster.url(index), client.userId, client.accessToken, client.deviceId);
  const subscribe = (watcher: TestClient, userId: string) => {
    const socket = wsFor(watcher);
    sockets.push(socket);
    return new Subscription<PresenceItem>(socket, PRESENCE_CHANGED, { ids: [userId] });
  };

  it('a graphql-ws subscriber on B hears each presence change made on C once, published once on Redis', async () => {
    const [alice, watcher] = [await TestClient.register(cluster.url(2)), await TestClient.register(cluster.url(1))];
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await watcher.join(roomId);
    // What crosses Redis for alice's presenceChanged trigger, heard as any process hears it.
    const listener = new Redis(TEST_REDIS_URL);
    listeners.push(listener);
    const heard: Array<Record<string, unknown>> = [];
    listener.on('message', (_channel: string, message: string) => heard.push(JSON.parse(message)));
    const channel = `${cluster.env.REDIS_KEY_PREFIX}graphql:presenceChanged:${alice.userId}`;
    await listener.subscribe(channel);

    const subscription = subscribe(watcher, alice.userId);
    expect((await subscription.next()).presenceChanged.userId).toBe(alice.userId);
    await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'unavailable', status_msg: 'one' });
    expect((await subscription.next()).presenceChanged).toMatchObject({ state: 'UNAVAILABLE', statusMsg: 'one' });
    await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'unavailable', status_msg: 'two' });
    // The next item is the second change: the first came once.
    expect((await subscription.next()).presenceChanged).toMatchObject({ state: 'UNAVAILABLE', statusMsg: 'two' });

    // A marker sent after both items were delivered comes after whatever the processes published for them.
    const marker = new Redis(TEST_REDIS_URL);
    listeners.push(marker);
    await marker.publish(channel, JSON.stringify({ marker: true }));
    while (!heard.some((message) => message.marker)) await new Promise((resolve) => setTimeout(resolve, 20));
    // One message per change, from the process that committed it (the owner), with its stream position.
    expect(heard.filter((message) => !message.marker)).toEqual([
      { userId: alice.userId, streamOrdering: expect.any(Number) },
      { userId: alice.userId, streamOrdering: expect.any(Number) },
    ]);
    expect(heard[1].streamOrdering as number).toBeGreaterThan(heard[0].streamOrdering as number);
  });

  it('a currently_active lapse no event carries wakes a long-poll and a subscription on processes that do not own presence; the token means the same everywhere', async () => {
    const flags = await Promise.all([0, 1, 2].map(async (index) => (await on(admin, index).ok('GET', '/_presence-rooms/admin/presence-owner')).owner as boolean));
    const [polled, subscribed] = [0, 1, 2].filter((index) => !flags[index]);
    const alice = await TestClient.register(cluster.url(subscribed));
    const bob = await TestClient.register(cluster.url(polled));
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    const subscription = subscribe(on(bob, subscribed), alice.userId);
    expect((await subscription.next()).presenceChanged.userId).toBe(alice.userId);
    let since = (await bob.sync({ set_presence: 'offline' })).next_batch as string;

    // Alice's sync makes her active: published as currently active, lapsing 5 s after, with nothing written then.
    await alice.sync();
    let seen: Record<string, any> | undefined;
    let sawActive = false;
    do {
      const response = await bob.sync({ since, timeout: 20_000, set_presence: 'offline' });
      since = response.next_batch;
      seen = presenceOf(response, alice.userId);
      if (seen?.currently_active === true) sawActive = true;
    } while (seen?.currently_active !== false);
    expect(sawActive).toBe(true);
    expect(seen).toMatchObject({ presence: 'online', currently_active: false });

    let item: PresenceItem['presenceChanged'];
    do item = (await subscription.next()).presenceChanged;
    while (item.currentlyActive !== false);
    expect(item).toMatchObject({ state: 'ONLINE', currentlyActive: false });

    // The token taken on one process holds the lapse on every process: none gives it again.
    for (const index of [0, 1, 2]) {
      const response = await on(bob, index).sync({ since, timeout: 0, set_presence: 'offline' });
      expect(presenceOf(response, alice.userId)).toBeUndefined();
    }
  });

  it('a write acknowledged on one process is read at once on another: GET presence and the GraphQL presences query (own and a room-mate), and room state', async () => {
    const alice = await TestClient.register(cluster.url(0));
    const bob = await TestClient.register(cluster.url(1));
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    const restReads = async (reader: number, round: number) => {
      for (const viewer of [bob, alice]) {
        expect(await on(viewer, reader).ok('GET', `/presence/${enc(alice.userId)}/status`)).toMatchObject({ status_msg: `round ${round}` });
      }
    };
    const graphqlReads = async (reader: number, round: number) => {
      for (const viewer of [bob, alice]) {
        const read = await graphql(cluster.url(reader), viewer.accessToken, 'query($ids: [ID!]!) { presences(userIds: $ids) { statusMsg } }', { ids: [alice.userId] });
        expect(read.data).toEqual({ presences: [{ statusMsg: `round ${round}` }] });
      }
    };
    for (let round = 0; round < 6; round += 1) {
      const [writer, reader] = [round % 3, (round + 1) % 3];
      await on(alice, writer).ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'unavailable', status_msg: `round ${round}` });
      // Alternately through GraphQL first and the REST GET first: each read must catch up by itself.
      const reads = [graphqlReads, restReads];
      for (const read of round % 2 === 0 ? reads : reads.reverse()) await read(reader, round);
      await on(alice, writer).setState(roomId, 'm.room.topic', '', { topic: `round ${round}` });
      expect(await on(bob, reader).ok('GET', `/rooms/${enc(roomId)}/state/m.room.topic`)).toEqual({ topic: `round ${round}` });
    }
  });

  it('every process reports the GraphQL pub/sub connections in its readiness', async () => {
    for (const index of [0, 1, 2]) {
      const response = await fetch(`${cluster.url(index)}/health/ready`);
      expect(((await response.json()) as { info: unknown }).info).toMatchObject({ 'redis-pubsub': { status: 'up' } });
    }
  });
});
