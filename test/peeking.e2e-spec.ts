import { RoomEvent, type MatrixClient, type MatrixEvent } from 'matrix-js-sdk';
import { StreamNotifier } from '../src/events/stream-notifier.service.js';
import { request, TestClient, uniqueName } from './support/client.js';
import { quietMatrixSdk, registerSdkClient } from './support/js-sdk.js';
import { startTestServer, type TestServer } from './support/test-server.js';

quietMatrixSdk();

const enc = encodeURIComponent;
const LIMITS = { RATE_LIMIT_PRESENCE_PER_SECOND: '1000', RATE_LIMIT_PRESENCE_BURST: '1000', RATE_LIMIT_PEEK_PER_SECOND: '1000', RATE_LIMIT_PEEK_BURST: '1000' };
const PEEK = '/_matrix/client/unstable/org.matrix.msc2753';

const setPrivacy = async (owner: TestClient, visibility: 'public' | 'restricted') =>
  owner.setState(await owner.profileRoomId(), 'm.profile.privacy', '', { visibility });
const putPresence = (client: TestClient, body: Record<string, unknown>) => client.ok('PUT', `/presence/${enc(client.userId)}/status`, body);
const poll = (client: TestClient, roomId: string, from?: string, timeout = 30_000) =>
  client.request('GET', '/events', undefined, { query: { room_id: roomId, from, timeout } });

describe('peeking into profile rooms', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(LIMITS);
  });

  afterAll(() => server.close());

  const register = () => TestClient.register(server.baseUrl);

  describe('room previews (initialSync and /events)', () => {
    it('lets matrix-js-sdk peekInRoom a public profile room and receive a presence change made with the legacy PUT', async () => {
      const owner = await register();
      await setPrivacy(owner, 'public');
      const follower: MatrixClient = await registerSdkClient(server.baseUrl, uniqueName('follower'));
      try {
        const profileRoomId = (await follower.getRoomIdForAlias(`#_profile_${owner.userId.slice(1)}`)).room_id;
        const room = await follower.peekInRoom(profileRoomId);
        expect(room.currentState.getStateEvents('m.profile.privacy', '')?.getContent()).toEqual({ visibility: 'public' });
        const published = new Promise<MatrixEvent>((resolve) => {
          room.on(RoomEvent.Timeline, (event) => {
            if (event.getType() === 'm.presence' && event.getContent().presence === 'busy') resolve(event);
          });
        });
        // The SDK's first poll starts from "now", so change presence only once it is waiting.
        const notifier = server.app.get(StreamNotifier);
        while (notifier.waiterCount(profileRoomId) === 0) await new Promise((resolve) => setImmediate(resolve));
        await putPresence(owner, { presence: 'busy', status_msg: 'Do not disturb' });
        const event = await published;
        expect(event.getSender()).toBe(owner.userId);
        expect(event.getStateKey()).toBe('');
        expect(room.currentState.getStateEvents('m.status', '')?.getContent()).toEqual({ status_msg: 'Do not disturb' });
      } finally {
        follower.stopPeeking();
        follower.stopClient();
      }
    });

    it('serves the state, recent messages, presence and an end token', async () => {
      const owner = await register();
      await setPrivacy(owner, 'public');
      await putPresence(owner, { presence: 'online', status_msg: 'here' });
      const viewer = await register();
      const preview = await viewer.ok('GET', `/rooms/${enc(await owner.profileRoomId())}/initialSync`, undefined, { query: { limit: 5 } });
      expect(preview.state.map((event: any) => event.type)).toEqual(expect.arrayContaining(['m.room.create', 'm.profile', 'm.presence']));
      expect(preview.messages.chunk.length).toBeLessThanOrEqual(5);
      expect(preview.messages.end).toMatch(/^s\d+/);
      expect(preview.presence).toEqual([
        expect.objectContaining({ type: 'm.presence', sender: owner.userId, content: expect.objectContaining({ presence: 'online', user_id: owner.userId }) }),
      ]);
      expect(preview.membership).toBeUndefined();
    });

    it('stops a live /events poll the moment the profile turns restricted', async () => {
      const owner = await register();
      await setPrivacy(owner, 'public');
      const stranger = await register();
      const roomId = await owner.profileRoomId();
      const { end } = (await stranger.ok('GET', `/rooms/${enc(roomId)}/initialSync`)) as { messages: { end: string } } & Record<string, any>;
      const first = await poll(stranger, roomId, undefined, 0);
      expect(first.status).toBe(200);
      const waiting = poll(stranger, roomId, first.body.end ?? end);
      await setPrivacy(owner, 'restricted');
      const denied = await waiting;
      expect(denied.status).toBe(403);
      expect(denied.body.errcode).toBe('M_FORBIDDEN');
      expect((await poll(stranger, roomId, first.body.end, 0)).status).toBe(403);
    });

    it('stops delivery to a room-mate who leaves the last shared room', async () => {
      const owner = await register();
      const mate = await register();
      const shared = await owner.createRoom({ preset: 'public_chat' });
      await mate.join(shared);
      const roomId = await owner.profileRoomId();
      const start = await poll(mate, roomId, undefined, 0);
      expect(start.status).toBe(200);
      await mate.leave(shared);
      await putPresence(owner, { presence: 'online' });
      expect((await poll(mate, roomId, start.body.end)).status).toBe(403);
    });

    it('clamps negative and huge timeouts instead of refusing them', async () => {
      const owner = await register();
      const roomId = await owner.profileRoomId();
      const now = await poll(owner, roomId, undefined, -100);
      expect(now.status).toBe(200);
      expect(now.body.chunk).toEqual([]);
      const waiting = poll(owner, roomId, now.body.end, 10 ** 12);
      await putPresence(owner, { presence: 'online' });
      const woken = await waiting;
      expect(woken.status).toBe(200);
      expect(woken.body.chunk.map((event: any) => event.type)).toContain('m.presence');
    });

    it.each([
      ['a garbage from token', { from: 'garbage' }, 400, 'M_INVALID_PARAM'],
      ['no room_id', { room_id: undefined }, 400, 'M_INVALID_PARAM'],
      ['an unknown room', { room_id: '!nope:localhost' }, 404, 'M_NOT_FOUND'],
    ])('refuses %s', async (_name, query, status, errcode) => {
      const owner = await register();
      const response = await owner.request('GET', '/events', undefined, {
        query: { room_id: await owner.profileRoomId(), timeout: 0, ...query },
      });
      expect(response.status).toBe(status);
      expect(response.body.errcode).toBe(errcode);
    });

    it('refuses to preview a private room with 403', async () => {
      const owner = await register();
      const roomId = await owner.createRoom();
      const stranger = await register();
      expect((await stranger.request('GET', `/rooms/${enc(roomId)}/initialSync`)).status).toBe(403);
    });

    it('lets anyone preview a world_readable room', async () => {
      const owner = await register();
      const roomId = await owner.createRoom({ initial_state: [{ type: 'm.room.history_visibility', content: { history_visibility: 'world_readable' } }] });
      await owner.send(roomId, { msgtype: 'm.text', body: 'readable' });
      const stranger = await register();
      const preview = await stranger.ok('GET', `/rooms/${enc(roomId)}/initialSync`);
      expect(preview.messages.chunk.map((event: any) => event.content.body)).toContain('readable');
    });
  });

  describe('MSC2753 peeks', () => {
    it('delivers the room state, then new events under rooms.peek', async () => {
      const owner = await register();
      await setPrivacy(owner, 'public');
      const follower = await register();
      const roomId = await owner.profileRoomId();
      const { next_batch: since } = await follower.sync({ set_presence: 'offline' });
      const peeked = await follower.ok('POST', `${PEEK}/peek/${enc(roomId)}`, {});
      expect(peeked.room_id).toBe(roomId);
      expect(peeked.peek_expiry_ts).toBeGreaterThan(Date.now());
      const first = await follower.sync({ since, set_presence: 'offline' });
      const initial = first.rooms.peek[roomId];
      const stateTypes = [...initial.state.events, ...initial.timeline.events].map((event: any) => event.type);
      expect(stateTypes).toEqual(expect.arrayContaining(['m.room.create', 'm.profile.privacy']));
      const waiting = follower.sync({ since: first.next_batch, timeout: 30_000, set_presence: 'offline' });
      await putPresence(owner, { presence: 'unavailable' });
      const change = (await waiting).rooms.peek[roomId];
      expect(change.timeline.events).toContainEqual(expect.objectContaining({ type: 'm.presence', content: expect.objectContaining({ presence: 'unavailable' }) }));
    });

    it('peeks by alias, renews before expiry, and unpeeks into rooms.leave once', async () => {
      const owner = await register();
      await setPrivacy(owner, 'public');
      const follower = await register();
      const localpart = owner.userId.slice(1, owner.userId.indexOf(':'));
      const first = await follower.ok('POST', `${PEEK}/peek/${enc(`#_profile_${localpart}:localhost`)}`, {});
      const renewed = await follower.ok('POST', `${PEEK}/peek/${enc(first.room_id)}`, {});
      expect(renewed.peek_expiry_ts).toBeGreaterThanOrEqual(first.peek_expiry_ts);
      const { next_batch: since } = await follower.sync({ set_presence: 'offline' });
      await follower.ok('POST', `${PEEK}/rooms/${enc(first.room_id)}/unpeek`, {});
      const after = await follower.sync({ since, set_presence: 'offline' });
      expect(after.rooms.leave[first.room_id]).toBeDefined();
      expect(after.rooms.peek?.[first.room_id]).toBeUndefined();
      const again = await follower.sync({ since: after.next_batch, set_presence: 'offline' });
      expect(again.rooms.leave[first.room_id]).toBeUndefined();
      expect((await follower.request('POST', `${PEEK}/rooms/${enc(first.room_id)}/unpeek`, {})).status).toBe(404);
    });

    it('ends a peek when privacy turns restricted, moving the room to rooms.leave', async () => {
      const owner = await register();
      await setPrivacy(owner, 'public');
      const stranger = await register();
      const roomId = await owner.profileRoomId();
      await stranger.ok('POST', `${PEEK}/peek/${enc(roomId)}`, {});
      const { next_batch: since } = await stranger.sync({ set_presence: 'offline' });
      await setPrivacy(owner, 'restricted');
      await putPresence(owner, { presence: 'busy' });
      const response = await stranger.sync({ since, set_presence: 'offline' });
      expect(response.rooms.peek?.[roomId]).toBeUndefined();
      expect(response.rooms.leave[roomId]).toBeDefined();
      expect((await stranger.request('POST', `${PEEK}/peek/${enc(roomId)}`, {})).status).toBe(403);
    });

    it.each([
      ['a room that does not exist', '!missing:localhost', 404, 'M_NOT_FOUND'],
      ['an alias that does not exist', '#missing:localhost', 404, 'M_NOT_FOUND'],
      ['a malformed alias', '#no-server', 400, 'M_INVALID_PARAM'],
    ])('refuses %s', async (_name, target, status, errcode) => {
      const viewer = await register();
      const response = await viewer.request('POST', `${PEEK}/peek/${enc(target)}`, {});
      expect(response.status).toBe(status);
      expect(response.body.errcode).toBe(errcode);
    });

    it('refuses a private room with 403 and a joined room with 400 M_BAD_STATE', async () => {
      const owner = await register();
      const privateRoom = await owner.createRoom();
      const stranger = await register();
      expect((await stranger.request('POST', `${PEEK}/peek/${enc(privateRoom)}`, {})).status).toBe(403);
      const joined = await owner.request('POST', `${PEEK}/peek/${enc(privateRoom)}`, {});
      expect(joined.status).toBe(400);
      expect(joined.body.errcode).toBe('M_BAD_STATE');
    });

    it('is advertised in /versions', async () => {
      const response = await request(server.baseUrl, 'GET', '/_matrix/client/versions');
      expect(response.body.unstable_features['org.matrix.msc2753']).toBe(true);
    });
  });

  describe('the profile room lookup (MSC1769)', () => {
    it('finds the profile room of a user ID', async () => {
      const owner = await register();
      const viewer = await register();
      const response = await viewer.ok('GET', `/_matrix/client/unstable/org.matrix.msc1769/profile_room/${enc(owner.userId)}`);
      expect(response.room_id).toBe(await owner.profileRoomId());
    });

    it('answers 404 for an unknown user and 400 for a malformed ID', async () => {
      const viewer = await register();
      expect((await viewer.request('GET', `/_matrix/client/unstable/org.matrix.msc1769/profile_room/${enc('@ghost:localhost')}`)).status).toBe(404);
      expect((await viewer.request('GET', `/_matrix/client/unstable/org.matrix.msc1769/profile_room/ghost`)).status).toBe(400);
    });
  });
});

describe('peek expiry and rate limit', () => {
  it('ends a peek that is not renewed, and answers 429 beyond the peek rate', async () => {
    const server = await startTestServer({ PEEK_EXPIRY_MS: '1000', RATE_LIMIT_PEEK_PER_SECOND: '0.01', RATE_LIMIT_PEEK_BURST: '1' });
    try {
      const owner = await TestClient.register(server.baseUrl);
      await setPrivacy(owner, 'public');
      const follower = await TestClient.register(server.baseUrl);
      const roomId = await owner.profileRoomId();
      const { next_batch: since } = await follower.sync({ set_presence: 'offline' });
      await follower.ok('POST', `${PEEK}/peek/${enc(roomId)}`, {});
      const limited = await follower.request('POST', `${PEEK}/peek/${enc(roomId)}`, {});
      expect(limited.status).toBe(429);
      expect(limited.body.retry_after_ms).toBeGreaterThan(0);
      const expired = await follower.syncUntil(since, (response) => roomId in response.rooms.leave);
      expect(expired.rooms.peek?.[roomId]).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});
