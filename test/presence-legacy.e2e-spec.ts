import { request, TestClient } from './support/client.js';
import { presenceEvents, presenceOf, syncUntilPresence } from './support/presence.js';
import { assertMatchesSchema, describeWithSpec, eventSchema, responseSchema } from './support/spec-schemas.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;
const GENEROUS_LIMITS = { RATE_LIMIT_PRESENCE_PER_SECOND: '1000', RATE_LIMIT_PRESENCE_BURST: '1000' };

describe('legacy presence API', () => {
  let server: TestServer;
  const register = () => TestClient.register(server.baseUrl);

  /** Two users sharing a room, neither of whom has synced. */
  async function roomMates(): Promise<[TestClient, TestClient, string]> {
    const [alice, bob] = await Promise.all([register(), register()]);
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    return [alice, bob, roomId];
  }

  const put = (client: TestClient, body: unknown, userId = client.userId) => client.request('PUT', `/presence/${enc(userId)}/status`, body);
  const get = (client: TestClient, userId: string) => client.request('GET', `/presence/${enc(userId)}/status`);

  beforeAll(async () => {
    server = await startTestServer(GENEROUS_LIMITS);
  });

  afterAll(() => server.close());

  describe('ported from Complement (TestPresence, TestPresenceSyncDifferentRooms)', () => {
    it('GET /presence/:user_id/status fetches initial status', async () => {
      const alice = await register();
      const response = await get(alice, alice.userId);
      expect(response.status).toBe(200);
      expect(response.body.presence).toBe('offline');
    });

    it('PUT /presence/:user_id/status updates my presence', async () => {
      const alice = await register();
      expect((await put(alice, { status_msg: 'Testing something', presence: 'online' })).status).toBe(200);
      const response = await get(alice, alice.userId);
      expect(response.body).toMatchObject({ presence: 'online', status_msg: 'Testing something', currently_active: true });
      expect(typeof response.body.last_active_ago).toBe('number');
    });

    it('Presence can be set from sync', async () => {
      const [alice, bob] = await roomMates();
      const { next_batch: since } = await alice.sync({ set_presence: 'offline' });
      await bob.sync({ set_presence: 'unavailable' });
      await syncUntilPresence(alice, since, bob.userId, (content) => content.presence === 'unavailable');
    });

    it('Presence changes are reported to local room members', async () => {
      const [alice, bob] = await roomMates();
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await put(alice, { status_msg: 'Update for room members', presence: 'online' });
      const content = await syncUntilPresence(bob, since, alice.userId, (c) => c.presence === 'online');
      expect(content.status_msg).toBe('Update for room members');
    });

    it('Presence changes to UNAVAILABLE are reported to local room members', async () => {
      const [alice, bob] = await roomMates();
      await alice.sync();
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await put(alice, { presence: 'unavailable' });
      await syncUntilPresence(bob, since, alice.userId, (c) => c.presence === 'unavailable');
    });

    it('reports presence of users in different rooms (TestPresenceSyncDifferentRooms)', async () => {
      const [alice, bob, charlie] = await Promise.all([register(), register(), register()]);
      const withBob = await alice.createRoom({ preset: 'public_chat' });
      const withCharlie = await alice.createRoom({ preset: 'public_chat' });
      await bob.join(withBob);
      await charlie.join(withCharlie);
      const { next_batch: since } = await alice.sync({ set_presence: 'offline' });
      await put(bob, { presence: 'online' });
      await put(charlie, { presence: 'online' });
      await syncUntilPresence(alice, since, bob.userId, (c) => c.presence === 'online');
      await syncUntilPresence(alice, since, charlie.userId, (c) => c.presence === 'online');
    });
  });

  describe('ported from Sytest (31sync/05presence.pl, 31sync/03joined.pl)', () => {
    it('User sees their own presence in a sync', async () => {
      const alice = await register();
      const response = await alice.sync({ filter: JSON.stringify({ presence: { types: ['m.presence'] } }) });
      expect(presenceEvents(response)[0]).toMatchObject({ type: 'm.presence', sender: alice.userId, content: { presence: 'online' } });
    });

    it('User is offline if they set_presence=offline in their sync', async () => {
      const alice = await register();
      const response = await alice.sync({ set_presence: 'offline' });
      const own = presenceOf(response, alice.userId);
      expect(own === undefined || own.presence === 'offline').toBe(true);
    });

    it('User sees updates to presence from other users in the incremental sync', async () => {
      const [alice, bob] = await roomMates();
      const { next_batch: since } = await alice.sync({ set_presence: 'offline' });
      await bob.sync();
      const response = await alice.sync({ since, set_presence: 'offline' });
      expect(presenceOf(response, bob.userId)).toMatchObject({ presence: 'online' });
    });

    it('Newly joined room includes presence in incremental sync, once', async () => {
      const [alice, bob] = await Promise.all([register(), register()]);
      const roomId = await alice.createRoom({ preset: 'public_chat' });
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await bob.join(roomId);
      const first = await bob.sync({ since, set_presence: 'offline' });
      const others = presenceEvents(first).filter((event) => event.sender !== bob.userId);
      expect(others.map((event) => event.sender)).toEqual([alice.userId]);
      const second = await bob.sync({ since: first.next_batch, set_presence: 'offline' });
      expect(presenceEvents(second)).toEqual([]);
    });

    it('Get presence for newly joined members in incremental sync, once', async () => {
      const [alice, bob] = await Promise.all([register(), register()]);
      const roomId = await bob.createRoom({ preset: 'public_chat' });
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await alice.sync({ set_presence: 'offline' });
      await alice.join(roomId);
      const first = await bob.sync({ since, set_presence: 'offline' });
      expect(presenceEvents(first).filter((event) => event.sender === alice.userId)).toHaveLength(1);
      const second = await bob.sync({ since: first.next_batch, set_presence: 'offline' });
      expect(presenceEvents(second)).toEqual([]);
    });
  });

  describe('the /sync presence section', () => {
    it('is absent when nothing changed and a plain sync changes nothing', async () => {
      const [alice] = await roomMates();
      const { next_batch: since } = await alice.sync();
      const response = await alice.sync({ since });
      expect(response.presence).toBeUndefined();
    });

    it('holds at most one event per user', async () => {
      const [alice, bob] = await roomMates();
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await put(alice, { presence: 'online', status_msg: 'one' });
      await put(alice, { presence: 'busy', status_msg: 'two' });
      const response = await bob.sync({ since, set_presence: 'offline' });
      expect(presenceEvents(response).filter((event) => event.sender === alice.userId)).toHaveLength(1);
      expect(presenceOf(response, alice.userId)).toMatchObject({ presence: 'busy', status_msg: 'two' });
    });

    it('wakes a waiting long-poll when a room-mate changes presence', async () => {
      const [alice, bob] = await roomMates();
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      const waiting = bob.sync({ since, timeout: 30_000, set_presence: 'offline' });
      await put(alice, { presence: 'online' });
      expect(presenceOf(await waiting, alice.userId)).toMatchObject({ presence: 'online' });
    });

    it('carries the display name and avatar, and a profile change delivers presence again', async () => {
      const [alice, bob] = await roomMates();
      await alice.sync();
      const { next_batch: since } = await bob.sync({ set_presence: 'offline' });
      await alice.ok('PUT', `/profile/${enc(alice.userId)}/displayname`, { displayname: 'Alice Presence' });
      const content = await syncUntilPresence(bob, since, alice.userId, (c) => c.displayname === 'Alice Presence');
      expect(content.presence).toBe('online');
    });

    it('honours presence filters: not_types, senders, not_senders and limit', async () => {
      const [alice, bob] = await roomMates();
      await bob.sync();
      const sync = (presence: Record<string, unknown>) => alice.sync({ filter: JSON.stringify({ presence }), set_presence: 'offline' });
      expect((await sync({ not_types: ['m.presence'] })).presence).toBeUndefined();
      expect(presenceEvents(await sync({ senders: [bob.userId] })).map((e) => e.sender)).toEqual([bob.userId]);
      expect(presenceEvents(await sync({ not_senders: [bob.userId] })).map((e) => e.sender)).not.toContain(bob.userId);
      expect(presenceEvents(await sync({ limit: 1 }))).toHaveLength(1);
    });

    it('does not show presence of users who share no room', async () => {
      const [alice, stranger] = await Promise.all([register(), register()]);
      await stranger.sync();
      const response = await alice.sync({ set_presence: 'offline' });
      expect(presenceOf(response, stranger.userId)).toBeUndefined();
    });

    it('refuses an invalid set_presence with 400', async () => {
      const alice = await register();
      const response = await alice.request('GET', '/sync', undefined, { query: { set_presence: 'sleeping' } });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_INVALID_PARAM');
    });
  });

  describe('busy (MSC3026)', () => {
    it('accepts busy in both forms and reads it back in the written form', async () => {
      const alice = await register();
      await put(alice, { presence: 'org.matrix.msc3026.busy' });
      expect((await get(alice, alice.userId)).body.presence).toBe('busy');
      await put(alice, { presence: 'online' });
      await put(alice, { presence: 'busy' });
      expect((await get(alice, alice.userId)).body.presence).toBe('busy');
    });

    it('advertises busy presence in /versions', async () => {
      const response = await request(server.baseUrl, 'GET', '/_matrix/client/versions');
      expect(response.body.unstable_features['org.matrix.msc3026.busy_presence']).toBe(true);
    });

    it('lets a device report busy through the MSC3032 activity endpoint', async () => {
      const [alice, bob] = await roomMates();
      const reported = await alice.request('POST', '/_matrix/client/unstable/org.matrix.msc3032/presence/activity', { state: 'busy' });
      expect(reported.status).toBe(200);
      expect((await get(bob, alice.userId)).body.presence).toBe('busy');
      const bad = await alice.request('POST', '/_matrix/client/unstable/org.matrix.msc3032/presence/activity', { state: 'asleep' });
      expect(bad.status).toBe(400);
    });
  });

  describe('appear offline', () => {
    it('shows offline to others while the user sees the truth', async () => {
      const [alice, bob] = await roomMates();
      await alice.sync();
      await put(alice, { presence: 'offline' });
      expect((await get(bob, alice.userId)).body.presence).toBe('offline');
      expect((await get(alice, alice.userId)).body.presence).toBe('online');
      const own = await alice.sync({ set_presence: 'offline' });
      expect(presenceOf(own, alice.userId)).toMatchObject({ presence: 'online' });
    });
  });

  describe('reading', () => {
    it('lets a room-mate read presence and refuses a stranger with 403', async () => {
      const [alice, bob] = await roomMates();
      const stranger = await register();
      expect((await get(bob, alice.userId)).status).toBe(200);
      const denied = await get(stranger, alice.userId);
      expect(denied.status).toBe(403);
      expect(denied.body.errcode).toBe('M_FORBIDDEN');
    });

    it('answers 404 for an unknown user and 400 for a malformed ID', async () => {
      const alice = await register();
      expect((await get(alice, '@nobody-at-all:localhost')).status).toBe(404);
      const malformed = await get(alice, 'not-a-user-id');
      expect(malformed.status).toBe(400);
      expect(malformed.body.errcode).toBe('M_INVALID_PARAM');
    });

    it('requires an access token', async () => {
      const alice = await register();
      const response = await request(server.baseUrl, 'GET', `/presence/${enc(alice.userId)}/status`);
      expect(response.status).toBe(401);
    });
  });

  describe('bad input to PUT', () => {
    let alice: TestClient;

    beforeAll(async () => {
      alice = await register();
      await put(alice, { presence: 'busy', status_msg: 'kept' });
    });

    afterEach(async () => {
      // Nothing already stored is lost by a refused request.
      expect((await get(alice, alice.userId)).body).toMatchObject({ presence: 'busy', status_msg: 'kept' });
    });

    it.each([
      ['presence not in the enum', 'M_INVALID_PARAM', { presence: 'sleeping' }],
      ['a missing presence', 'M_BAD_JSON', { status_msg: 'x' }],
      ['a non-string status_msg', 'M_BAD_JSON', { presence: 'online', status_msg: 42 }],
      ['a status_msg over 1 KiB', 'M_INVALID_PARAM', { presence: 'online', status_msg: 'x'.repeat(1025) }],
      ['an extra key', 'M_BAD_JSON', { presence: 'online', mood: 'happy' }],
    ])('refuses %s with 400 %s', async (_name, errcode, body) => {
      const response = await put(alice, body);
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe(errcode);
    });

    it('refuses a body that is not JSON', async () => {
      const response = await alice.request('PUT', `/presence/${enc(alice.userId)}/status`, undefined, { rawBody: 'presence=online' });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_NOT_JSON');
    });

    it("refuses to set another user's presence with 403", async () => {
      const bob = await register();
      const response = await put(alice, { presence: 'online' }, bob.userId);
      expect(response.status).toBe(403);
      expect(response.body.errcode).toBe('M_FORBIDDEN');
    });

    it('refuses a malformed user ID with 400', async () => {
      const response = await put(alice, { presence: 'online' }, 'alice');
      expect(response.status).toBe(400);
    });
  });

  describeWithSpec('responses match the spec schemas', () => {
    it('GET and PUT /presence/{userId}/status', async () => {
      const alice = await register();
      const putResponse = await put(alice, { presence: 'online', status_msg: 'schema' });
      assertMatchesSchema(await responseSchema('presence.yaml', '/presence/{userId}/status', 'put', 200), putResponse.body);
      const response = await get(alice, alice.userId);
      assertMatchesSchema(await responseSchema('presence.yaml', '/presence/{userId}/status', 'get', 200), response.body);
    });

    it('presence events in /sync', async () => {
      const [alice, bob] = await roomMates();
      await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'unavailable', status_msg: 'away' });
      await bob.sync();
      const response = await alice.sync();
      assertMatchesSchema(await responseSchema('sync.yaml', '/sync', 'get', 200), response);
      const schema = await eventSchema('m.presence');
      expect(presenceEvents(response).length).toBeGreaterThanOrEqual(2);
      for (const event of presenceEvents(response)) assertMatchesSchema(schema, event);
    });
  });
});

describe('presence rate limit', () => {
  it('answers 429 with retry_after_ms beyond the burst, while syncs still succeed', async () => {
    const server = await startTestServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '0.01', RATE_LIMIT_PRESENCE_BURST: '2' });
    try {
      const alice = await TestClient.register(server.baseUrl);
      const path = `/presence/${enc(alice.userId)}/status`;
      expect((await alice.request('PUT', path, { presence: 'online' })).status).toBe(200);
      expect((await alice.request('PUT', path, { presence: 'busy' })).status).toBe(200);
      const limited = await alice.request('PUT', path, { presence: 'unavailable' });
      expect(limited.status).toBe(429);
      expect(limited.body.errcode).toBe('M_LIMIT_EXCEEDED');
      expect(limited.body.retry_after_ms).toBeGreaterThan(0);
      const synced = await alice.request('GET', '/sync', undefined, { query: { set_presence: 'unavailable' } });
      expect(synced.status).toBe(200);
      expect((await alice.ok('GET', path)).presence).toBe('busy');
    } finally {
      await server.close();
    }
  });

  it('spends nothing on syncs that repeat the device state, so the first PUT after them succeeds', async () => {
    // A token back takes 100 s: nothing refills during the test.
    const server = await startTestServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '0.01', RATE_LIMIT_PRESENCE_BURST: '2' });
    try {
      const alice = await TestClient.register(server.baseUrl);
      // The first sync brings the device online (one update); the next five repeat it.
      for (let sync = 0; sync < 6; sync += 1) await alice.sync({ timeout: 0 });
      const path = `/presence/${enc(alice.userId)}/status`;
      expect((await alice.request('PUT', path, { presence: 'online' })).status).toBe(200);
      // The limit still counts presence updates: the device coming online and that PUT used the burst.
      expect((await alice.request('PUT', path, { presence: 'busy' })).status).toBe(429);
    } finally {
      await server.close();
    }
  });
});
