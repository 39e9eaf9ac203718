import type { Client } from 'graphql-ws';
import { TestClient } from './support/client.js';
import { Subscription, wsFor } from './support/graphql.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;
const PEEK = '/_matrix/client/unstable/org.matrix.msc2753';
/** Long enough that the steps after a purge run well within it, even on a busy machine. */
const RETENTION_MS = 4000;
const ROOM_EVENTS = `subscription($userId: ID, $since: String) {
  profileRoomEvents(userId: $userId, since: $since) { token historyPurged event { eventId type stateKey content } }
}`;

interface RoomEvent {
  event_id: string;
  type: string;
  state_key?: string;
  origin_server_ts: number;
  content: Record<string, any>;
}
interface RoomEventItem {
  profileRoomEvents: { token: string; historyPurged: boolean; event: { eventId: string; type: string; stateKey: string; content: Record<string, any> } };
}

/** Superseded m.presence / m.status of profile rooms older than PRESENCE_HISTORY_RETENTION_MS are purged. */
describe('presence history retention', () => {
  let server: TestServer;
  const sockets: Client[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      PRESENCE_HISTORY_RETENTION_MS: String(RETENTION_MS),
      PRESENCE_HISTORY_PURGE_INTERVAL_MS: '100',
      RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
      RATE_LIMIT_PRESENCE_BURST: '1000',
    });
  });

  afterAll(async () => {
    await Promise.all(sockets.map((socket) => socket.dispose()));
    await server.close();
  });

  const setStatus = (client: TestClient, presence: string, statusMsg: string) =>
    client.ok('PUT', `/presence/${enc(client.userId)}/status`, { presence, status_msg: statusMsg });
  /** The room's history up to now, oldest first: from its purge horizon, once purged. */
  const history = async (client: TestClient, roomId: string): Promise<RoomEvent[]> =>
    (await client.ok('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'f', limit: 1000 } })).chunk;
  const exists = async (client: TestClient, roomId: string, eventId: string): Promise<boolean> => {
    const { status } = await client.request('GET', `/rooms/${enc(roomId)}/event/${enc(eventId)}`);
    if (status !== 200 && status !== 404) throw new Error(`GET event answered ${status}`);
    return status === 200;
  };

  /** Asks again until every one of the events is gone (each ask after the server's next purge may have run). */
  async function untilPurged(client: TestClient, roomId: string, eventIds: string[]): Promise<void> {
    for (let attempt = 0; attempt < 300; attempt += 1) {
      if (!(await Promise.all(eventIds.map((eventId) => exists(client, roomId, eventId)))).some(Boolean)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the events were never purged');
  }

  it('purges old superseded presence and status, keeps current state and the window, and answers stale tokens clearly', async () => {
    const [alice, bob] = await Promise.all([TestClient.register(server.baseUrl), TestClient.register(server.baseUrl)]);
    const roomId = await alice.profileRoomId();
    await alice.setState(roomId, 'm.profile.privacy', '', { visibility: 'public' });
    await bob.ok('POST', `${PEEK}/peek/${enc(roomId)}`, {});

    // Tokens taken before the history that will be purged.
    const aliceOld = (await alice.sync()).next_batch as string;
    const bobOld = (await bob.sync()).next_batch as string;
    await setStatus(alice, 'online', 'old 1');
    const live = new Subscription<RoomEventItem>(open(bob), ROOM_EVENTS, { userId: alice.userId, since: bobOld });
    const subscriptionOld = (await live.next()).profileRoomEvents.token;
    live.unsubscribe();
    await setStatus(alice, 'unavailable', 'old 2');
    await setStatus(alice, 'online', 'old 3');

    const before = await history(alice, roomId);
    const oldStatuses = before.filter((event) => event.type === 'm.status');
    expect(oldStatuses.map((event) => event.content.status_msg)).toEqual(['old 1', 'old 2', 'old 3']);
    const current = await alice.ok<RoomEvent[]>('GET', `/rooms/${enc(roomId)}/state`);
    const currentIds = new Set(current.map((event) => event.event_id));
    const superseded = before.filter((event) => ['m.presence', 'm.status'].includes(event.type) && !currentIds.has(event.event_id));
    expect(superseded.length).toBeGreaterThanOrEqual(2);

    // Once they are older than the window, the purge takes the superseded ones, and only them.
    await untilPurged(alice, roomId, superseded.map((event) => event.event_id));
    for (const event of before) expect(await exists(alice, roomId, event.event_id)).toBe(!superseded.includes(event));
    const ids = (events: RoomEvent[]) => events.map((event) => event.event_id).sort();
    expect(ids(await alice.ok<RoomEvent[]>('GET', `/rooms/${enc(roomId)}/state`))).toEqual(ids(current));
    expect((await alice.ok('GET', `/rooms/${enc(roomId)}/state/m.status`)).status_msg).toBe('old 3');

    // Changes inside the window all stay, superseded or not.
    await setStatus(alice, 'online', 'fresh 1');
    await setStatus(alice, 'unavailable', 'fresh 2');
    await setStatus(alice, 'online', 'fresh 3');
    const written = (await history(alice, roomId)).filter((event) => event.type === 'm.status' && event.content.status_msg?.startsWith('fresh'));
    expect(written.map((event) => event.content.status_msg)).toContain('fresh 3');
    const kept = await Promise.all([...before, ...written].map(async (event) => ({ event, kept: await exists(alice, roomId, event.event_id) })));
    const readAt = Date.now();
    // Any purge so far cut below readAt − retention: everything sent since is there.
    for (const { event, kept: there } of kept) if (event.origin_server_ts >= readAt - RETENTION_MS) expect(there).toBe(true);

    // /sync from before the purge: a limited timeline, and the state at its start makes the whole current state.
    const stale = await alice.sync({ since: aliceOld });
    const room = stale.rooms.join[roomId];
    expect(room.timeline.limited).toBe(true);
    const nowState = await alice.ok<RoomEvent[]>('GET', `/rooms/${enc(roomId)}/state`);
    const seen = new Set([...room.state.events, ...room.timeline.events].map((event: RoomEvent) => event.event_id));
    for (const event of nowState) expect(seen.has(event.event_id)).toBe(true);
    expect(room.state.events.map((event: RoomEvent) => event.type)).toContain('m.room.create');
    // The same for a room peeked.
    const peeked = (await bob.sync({ since: bobOld })).rooms.peek[roomId];
    expect(peeked.timeline.limited).toBe(true);
    expect(peeked.state.events.map((event: RoomEvent) => event.type)).toContain('m.room.create');
    // A token from after the purge is an ordinary incremental sync.
    const recent = (await alice.sync()).next_batch as string;
    await setStatus(alice, 'online', 'fresh 4');
    const incremental = await alice.syncUntil(recent, (response) => response.rooms?.join?.[roomId] !== undefined);
    expect(incremental.rooms.join[roomId].timeline.limited).toBe(false);
    expect(incremental.rooms.join[roomId].state.events).toEqual([]);

    // profileRoomEvents resumed from before the purge: the state at the horizon, flagged, then what came after.
    const resumed = new Subscription<RoomEventItem>(open(bob), ROOM_EVENTS, { userId: alice.userId, since: subscriptionOld });
    const replayed: RoomEventItem['profileRoomEvents'][] = [];
    for (let item = (await resumed.next()).profileRoomEvents; ; item = (await resumed.next()).profileRoomEvents) {
      if (!item.historyPurged) {
        expect(item.event.content.status_msg ?? item.event.type).not.toBe('old 3');
        break;
      }
      replayed.push(item);
    }
    expect(replayed.map((item) => item.event.type)).toEqual(expect.arrayContaining(['m.room.create', 'm.presence', 'm.status']));
    expect(replayed.slice(0, -1).every((item) => item.token === subscriptionOld)).toBe(true);
    expect(replayed.at(-1)!.token).not.toBe(subscriptionOld);
    resumed.unsubscribe();

    // /events from before the purge: the state at the horizon, flagged, and an end that goes on from there.
    const polled = await bob.ok('GET', '/events', undefined, { query: { room_id: roomId, from: bobOld, timeout: 0 } });
    expect(polled['org.presence_rooms.history_purged']).toBe(true);
    expect(polled.chunk.map((event: RoomEvent) => event.type)).toEqual(expect.arrayContaining(['m.room.create', 'm.presence', 'm.status']));
    const next = await bob.ok('GET', '/events', undefined, { query: { room_id: roomId, from: polled.end, timeout: 0 } });
    expect(next['org.presence_rooms.history_purged']).toBeUndefined();
    expect(next.chunk.map((event: RoomEvent) => event.content.status_msg).filter(Boolean)).toContain('fresh 4');

    // /messages paging back stops at the horizon: no end, nothing purged, everything since there.
    const back = await alice.ok('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'b', limit: 1000 } });
    expect(back.end).toBeUndefined();
    expect(back.chunk.some((event: RoomEvent) => superseded.some((gone) => gone.event_id === event.event_id))).toBe(false);
    const statuses = back.chunk.map((event: RoomEvent) => event.content.status_msg).filter(Boolean).reverse();
    expect(['fresh 1', 'fresh 2', 'fresh 3', 'fresh 4'].slice(-statuses.length)).toEqual(statuses);
    expect(statuses).toContain('fresh 4');

    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(Number(/^presence_rooms_history_purged_events_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(superseded.length);
  });

  it('leaves rooms other than profile rooms, and other event types, alone', async () => {
    const alice = await TestClient.register(server.baseUrl);
    const roomId = await alice.createRoom({ preset: 'private_chat' });
    const topics = [];
    for (const topic of ['one', 'two', 'three']) topics.push(await alice.setState(roomId, 'm.room.topic', '', { topic }));
    // A status change after them, and its purge, show the server has purged since they aged.
    await setStatus(alice, 'online', 'first');
    await setStatus(alice, 'online', 'second');
    const profileRoom = await alice.profileRoomId();
    const profileHistory = await history(alice, profileRoom);
    expect(profileHistory.map((event) => event.type)).toEqual(expect.arrayContaining(['m.room.create', 'm.room.member', 'm.room.power_levels', 'm.profile']));
    const firstStatus = profileHistory.find((event) => event.content.status_msg === 'first')!;
    await untilPurged(alice, profileRoom, [firstStatus.event_id]);
    for (const eventId of topics) expect(await exists(alice, roomId, eventId)).toBe(true);
    for (const event of profileHistory.filter((candidate) => !['m.presence', 'm.status'].includes(candidate.type))) {
      expect(await exists(alice, profileRoom, event.event_id)).toBe(true);
    }
  });

  function open(client: TestClient): Client {
    const socket = wsFor(client);
    sockets.push(socket);
    return socket;
  }
});
