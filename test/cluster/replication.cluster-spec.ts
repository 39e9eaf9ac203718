import { RoomEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { TestClient, uniqueName } from '../support/client.js';
import { TestCluster } from '../support/cluster.js';
import { Subscription, wsClient, wsFor } from '../support/graphql.js';
import { presenceSeenBy, quietMatrixSdk, registerSdkClient, startAndPrepare } from '../support/js-sdk.js';

quietMatrixSdk();

const enc = encodeURIComponent;
const PRESENCE_CHANGED = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId state statusMsg } }';

/**
 * Three processes (A, B, C) on one PostgreSQL database and one Redis: any request to any of them,
 * with what the others committed.
 */
describe('three processes on one database', () => {
  let cluster: TestCluster;
  const sdkClients: MatrixClient[] = [];
  const sockets: Array<{ dispose(): unknown }> = [];

  beforeAll(async () => {
    cluster = await TestCluster.start(3, { RATE_LIMIT_PRESENCE_PER_SECOND: '1000', RATE_LIMIT_PRESENCE_BURST: '1000' });
  }, 180_000);

  afterAll(async () => {
    for (const client of sdkClients) client.stopClient();
    for (const socket of sockets) await socket.dispose();
    await cluster?.stop();
  });

  /** A user registered on one process, then used on another with the same token. */
  const on = (client: TestClient, index: number) => new TestClient(cluster.url(index), client.userId, client.accessToken, client.deviceId);

  it('matrix-js-sdk on A receives, through its /sync, a presence change made by a legacy PUT on B and a message sent on C', async () => {
    const username = uniqueName('sdk');
    const sdk = await registerSdkClient(cluster.url(0), username);
    sdkClients.push(sdk);
    const carol = await TestClient.register(cluster.url(2));
    const roomId = await carol.createRoom({ preset: 'public_chat' });
    // Joined through B.
    await on(new TestClient(cluster.url(0), sdk.getUserId()!, sdk.getAccessToken()!, sdk.getDeviceId()!), 1).join(roomId);
    await startAndPrepare(sdk);
    const received = new Promise<MatrixEvent>((resolve) =>
      sdk.on(RoomEvent.Timeline, (event, room) => {
        if (room?.roomId === roomId && event.getType() === 'm.room.message' && event.getContent().body === 'from C') resolve(event);
      }),
    );
    await carol.send(roomId, { msgtype: 'm.text', body: 'from C' });
    expect((await received).getSender()).toBe(carol.userId);
    const bob = await TestClient.register(cluster.url(1));
    await bob.join(roomId);
    await bob.ok('PUT', `/presence/${enc(bob.userId)}/status`, { presence: 'unavailable', status_msg: 'put on B' });
    const seen = await presenceSeenBy(sdk, bob.userId, (user) => user.presence === 'unavailable' && user.presenceStatusMsg === 'put on B');
    expect(seen.userId).toBe(bob.userId);
  });

  it('a long-poll on A wakes for a message sent on B, and the event is read from A at once', async () => {
    const alice = await TestClient.register(cluster.url(0));
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    const bob = await TestClient.register(cluster.url(1));
    await bob.join(roomId);
    const { next_batch: since } = await alice.sync();
    const waiting = alice.sync({ since, timeout: 30_000 });
    const eventId = await bob.send(roomId, { msgtype: 'm.text', body: 'wake A' });
    const woken = await waiting;
    expect(woken.rooms.join[roomId].timeline.events.map((event: { event_id: string }) => event.event_id)).toContain(eventId);
    expect(await alice.ok('GET', `/rooms/${enc(roomId)}/event/${enc(eventId)}`)).toMatchObject({ content: { body: 'wake A' } });
  });

  it('state written on A and then on C in turn builds on each other (C learns A first)', async () => {
    const alice = await TestClient.register(cluster.url(0));
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await alice.setState(roomId, 'm.room.topic', '', { topic: 'one' });
    await on(alice, 2).setState(roomId, 'm.room.name', '', { name: 'two' });
    await alice.setState(roomId, 'm.room.topic', '', { topic: 'three' });
    // A read without a stream token sees another process's write once that process has told it.
    for (const index of [0, 1, 2]) {
      const topicOf = async () => (await on(alice, index).state(roomId)).find((event) => event.type === 'm.room.topic')?.content;
      while ((await topicOf())?.topic !== 'three') await new Promise((resolve) => setTimeout(resolve, 20));
      const state = await on(alice, index).state(roomId);
      expect(state.filter((event) => event.type === 'm.room.topic' || event.type === 'm.room.name').map((event) => event.content)).toEqual(
        expect.arrayContaining([{ topic: 'three' }, { name: 'two' }]),
      );
    }
  });

  it('a graphql-ws subscriber on B gets presenceChanged for a change made on C', async () => {
    const [alice, watcher] = [await TestClient.register(cluster.url(2)), await TestClient.register(cluster.url(1))];
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await watcher.join(roomId);
    const socket = wsFor(watcher);
    sockets.push(socket);
    const subscription = new Subscription<{ presenceChanged: Record<string, unknown> }>(socket, PRESENCE_CHANGED, { ids: [alice.userId] });
    expect((await subscription.next()).presenceChanged.userId).toBe(alice.userId);
    await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online', status_msg: 'set on C' });
    expect((await subscription.next()).presenceChanged).toMatchObject({ userId: alice.userId, statusMsg: 'set on C' });
  });

  it('a leave on A ends, on C, the delivery of a user it no longer shares a room with (FORBIDDEN)', async () => {
    const bob = await TestClient.register(cluster.url(0));
    const shared = await bob.createRoom({ preset: 'public_chat' });
    const watcher = await TestClient.register(cluster.url(2));
    await watcher.join(shared);
    const socket = wsFor(watcher);
    sockets.push(socket);
    const subscription = new Subscription<{ presenceChanged: Record<string, unknown> }>(socket, PRESENCE_CHANGED, { ids: [bob.userId] });
    expect((await subscription.next()).presenceChanged.userId).toBe(bob.userId);
    await on(watcher, 0).leave(shared);
    await bob.ok('PUT', `/presence/${enc(bob.userId)}/status`, { presence: 'busy', status_msg: 'hidden now' });
    const refused = await subscription.result();
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', userId: bob.userId });
  });

  const setPrivacy = async (owner: TestClient, visibility: 'public' | 'restricted') =>
    owner.setState(await owner.profileRoomId(), 'm.profile.privacy', '', { visibility });

  it('a privacy flip on B ends, on C, a subscription to that user with FORBIDDEN', async () => {
    const alice = await TestClient.register(cluster.url(1));
    await setPrivacy(alice, 'public');
    const stranger = await TestClient.register(cluster.url(2));
    const socket = wsFor(stranger);
    sockets.push(socket);
    const subscription = new Subscription<{ presenceChanged: Record<string, unknown> }>(socket, PRESENCE_CHANGED, { ids: [alice.userId] });
    expect((await subscription.next()).presenceChanged.userId).toBe(alice.userId);
    await setPrivacy(alice, 'restricted');
    const refused = await subscription.result();
    expect(refused.data).toBeNull();
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', userId: alice.userId });
  });

  it('a privacy flip on C ends with 403 an /events peek waiting on A', async () => {
    const owner = await TestClient.register(cluster.url(2));
    await setPrivacy(owner, 'public');
    const stranger = await TestClient.register(cluster.url(0));
    const roomId = await owner.profileRoomId();
    const first = await stranger.request('GET', '/events', undefined, { query: { room_id: roomId, timeout: 0 } });
    expect(first.status).toBe(200);
    const waiting = stranger.request('GET', '/events', undefined, { query: { room_id: roomId, from: first.body.end, timeout: 30_000 } });
    await setPrivacy(owner, 'restricted');
    const denied = await waiting;
    expect([denied.status, denied.body.errcode]).toEqual([403, 'M_FORBIDDEN']);
  });

  it('an MSC2753 peek taken on A delivers, through a long-poll on B, a presence change made on C', async () => {
    const owner = await TestClient.register(cluster.url(2));
    await setPrivacy(owner, 'public');
    const follower = await TestClient.register(cluster.url(0));
    const roomId = await owner.profileRoomId();
    const { next_batch: since } = await follower.sync({ set_presence: 'offline' });
    await follower.ok('POST', `/_matrix/client/unstable/org.matrix.msc2753/peek/${enc(roomId)}`, {});
    const onB = on(follower, 1);
    const first = await onB.sync({ since, set_presence: 'offline' });
    expect(first.rooms.peek[roomId]).toBeDefined();
    const waiting = onB.sync({ since: first.next_batch, timeout: 30_000, set_presence: 'offline' });
    await owner.ok('PUT', `/presence/${enc(owner.userId)}/status`, { presence: 'unavailable' });
    const change = (await waiting).rooms.peek[roomId];
    expect(change.timeline.events).toContainEqual(expect.objectContaining({ type: 'm.presence', content: expect.objectContaining({ presence: 'unavailable' }) }));
  });

  it('logout on A: B refuses the token at once, though B had it cached, and ends its graphql-ws connection', async () => {
    const alice = await TestClient.register(cluster.url(0));
    const onB = on(alice, 1);
    await onB.ok('GET', '/account/whoami');
    let closed: (code: number) => void = () => undefined;
    const closedWith = new Promise<number>((resolve) => (closed = resolve));
    const socket = wsClient(cluster.url(1), alice.accessToken, (code) => closed(code));
    sockets.push(socket);
    const subscription = new Subscription(socket, 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId } }', { ids: [alice.userId] });
    await subscription.next();
    await alice.ok('POST', '/logout', {});
    const refused = await onB.request('GET', '/account/whoami');
    expect(refused.status).toBe(401);
    expect(refused.body.errcode).toBe('M_UNKNOWN_TOKEN');
    expect(await closedWith).toBe(4403);
  });

  it('account data set on C wakes a long-poll on A that waits for it', async () => {
    const alice = await TestClient.register(cluster.url(0));
    const { next_batch: since } = await alice.sync();
    const waiting = alice.sync({ since, timeout: 30_000 });
    await on(alice, 2).ok('PUT', `/user/${enc(alice.userId)}/account_data/org.example.cluster`, { set: 'on C' });
    const woken = await waiting;
    expect(woken.account_data.events).toEqual([{ type: 'org.example.cluster', content: { set: 'on C' } }]);
  });

  it('every process reports Redis in its readiness', async () => {
    for (const index of [0, 1, 2]) {
      const response = await fetch(`${cluster.url(index)}/health/ready`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { info: unknown }).info).toMatchObject({ redis: { status: 'up' } });
    }
  });
});
