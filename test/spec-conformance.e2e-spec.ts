/**
 * Real responses checked against the Matrix spec's own OpenAPI and event schemas (v1.19, from
 * MATRIX_SPEC_DIR or ../shared/matrix-spec). Without them these tests are skipped, except under
 * CI, where they fail naming what is missing.
 */
import { request, TestClient, uniqueName } from './support/client.js';
import {
  assertMatchesSchema,
  clientServerSchema,
  describeWithSpec,
  eventSchema,
  responseSchema,
  type JsonSchema,
} from './support/spec-schemas.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;

/** Asserts the status, then the body against the spec's schema for that status. */
async function expectConforms(
  response: { status: number; body: unknown },
  schema: [file: string, path: string, method: string],
  status = 200,
): Promise<void> {
  const [file, path, method] = schema;
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  assertMatchesSchema(await responseSchema(file, path, method, status), response.body, `${method.toUpperCase()} ${path} ${status}`);
}

interface ClientEvent {
  type: string;
  [key: string]: unknown;
}

/** Event types whose content the spec describes in data/event-schemas/schema/<type>.yaml. */
const SPEC_EVENT_TYPES = new Set([
  'm.room.create',
  'm.room.member',
  'm.room.power_levels',
  'm.room.join_rules',
  'm.room.history_visibility',
  'm.room.guest_access',
  'm.room.name',
  'm.room.topic',
  'm.room.canonical_alias',
  'm.room.message',
]);

/** Checks each event whose type the spec defines against that type's event schema. */
async function expectEventsConform(events: ClientEvent[], where: string): Promise<number> {
  let checked = 0;
  for (const event of events) {
    if (!SPEC_EVENT_TYPES.has(event.type)) continue;
    assertMatchesSchema(await eventSchema(event.type), event, `${where}: ${event.type} event`);
    checked += 1;
  }
  return checked;
}

// Guards against vacuous passes: a schema that dereferenced or compiled wrongly accepts anything.
describeWithSpec('spec schema helper', () => {
  it('rejects a malformed user ID through the spec custom format', async () => {
    const schema = await responseSchema('whoami.yaml', '/account/whoami', 'get', 200);
    assertMatchesSchema(schema, { user_id: '@alice:example.org' });
    expect(() => assertMatchesSchema(schema, { user_id: 'alice' })).toThrow(/\/user_id must match format "mx-user-id"/);
  });

  it('follows $refs and allOf into the sync timeline events', async () => {
    const schema = await responseSchema('sync.yaml', '/sync', 'get', 200);
    const event = { type: 'm.room.message', content: {}, sender: '@a:x', origin_server_ts: 1 };
    const body = (events: unknown[]) => ({ next_batch: 's1', rooms: { join: { '!r:x': { timeline: { events, limited: false } } } } });
    expect(() => assertMatchesSchema(schema, body([event]))).toThrow(/must have required property 'event_id'/);
    assertMatchesSchema(schema, body([{ ...event, event_id: '$e' }]));
  });

  it('loads event schemas, e.g. m.presence', async () => {
    const schema = await eventSchema('m.presence');
    assertMatchesSchema(schema, { type: 'm.presence', sender: '@a:x', content: { presence: 'online' } });
    expect(() => assertMatchesSchema(schema, { type: 'm.presence', sender: '@a:x', content: {} })).toThrow(/presence/);
  });
});

describeWithSpec('spec conformance (Matrix v1.19 schemas)', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob] = await Promise.all([TestClient.register(server.baseUrl), TestClient.register(server.baseUrl)]);
    roomId = await alice.createRoom({ preset: 'public_chat', name: 'conformance', topic: 'schemas' });
    await bob.join(roomId);
    for (const body of ['one', 'two', 'three']) await alice.send(roomId, { msgtype: 'm.text', body });
  });

  afterAll(() => server.close());

  describe('server information', () => {
    it('GET /versions', async () => {
      await expectConforms(await request(server.baseUrl, 'GET', '/_matrix/client/versions'), ['versions.yaml', '/versions', 'get']);
    });

    it('GET /capabilities', async () => {
      await expectConforms(await alice.request('GET', '/capabilities'), ['capabilities.yaml', '/capabilities', 'get']);
    });

    it('GET /pushrules/', async () => {
      await expectConforms(await alice.request('GET', '/pushrules/'), ['pushrules.yaml', '/pushrules/', 'get']);
    });
  });

  describe('accounts', () => {
    it('POST /register without auth: the user-interactive 401', async () => {
      const response = await request(server.baseUrl, 'POST', '/register', { username: uniqueName(), password: 'secret-password' });
      await expectConforms(response, ['registration.yaml', '/register', 'post'], 401);
    });

    it('POST /register', async () => {
      const response = await request(server.baseUrl, 'POST', '/register', {
        username: uniqueName(),
        password: 'secret-password',
        auth: { type: 'm.login.dummy' },
      });
      await expectConforms(response, ['registration.yaml', '/register', 'post']);
    });

    it('GET /login', async () => {
      await expectConforms(await request(server.baseUrl, 'GET', '/login'), ['login.yaml', '/login', 'get']);
    });

    it('POST /login', async () => {
      const username = uniqueName();
      await TestClient.register(server.baseUrl, username, 'login-password');
      const response = await request(server.baseUrl, 'POST', '/login', {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: username },
        password: 'login-password',
      });
      await expectConforms(response, ['login.yaml', '/login', 'post']);
    });

    it('GET /account/whoami', async () => {
      await expectConforms(await alice.request('GET', '/account/whoami'), ['whoami.yaml', '/account/whoami', 'get']);
    });

    it('GET /account/whoami without a token: the 401 error', async () => {
      const response = await alice.request('GET', '/account/whoami', undefined, { token: null });
      await expectConforms(response, ['whoami.yaml', '/account/whoami', 'get'], 401);
    });
  });

  describe('rooms and events', () => {
    it('POST /createRoom', async () => {
      await expectConforms(await alice.request('POST', '/createRoom', { name: 'created' }), ['create_room.yaml', '/createRoom', 'post']);
    });

    it('GET /rooms/{roomId}/messages', async () => {
      const response = await alice.request('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'b', limit: 5 } });
      await expectConforms(response, ['message_pagination.yaml', '/rooms/{roomId}/messages', 'get']);
      expect((response.body as { chunk: unknown[] }).chunk.length).toBeGreaterThan(0);
    });

    // GET /rooms/{roomId}/state lives in rooms.yaml; room_state.yaml only has the PUT.
    it('GET /rooms/{roomId}/state', async () => {
      await expectConforms(await alice.request('GET', `/rooms/${enc(roomId)}/state`), ['rooms.yaml', '/rooms/{roomId}/state', 'get']);
    });

    it('sends state and timeline events that match their event schemas', async () => {
      const state = await alice.ok<ClientEvent[]>('GET', `/rooms/${enc(roomId)}/state`);
      const messages = await alice.ok<{ chunk: ClientEvent[] }>('GET', `/rooms/${enc(roomId)}/messages`, undefined, {
        query: { dir: 'b', limit: 50 },
      });
      const checked = (await expectEventsConform(state, 'GET /state')) + (await expectEventsConform(messages.chunk, 'GET /messages'));
      expect(checked).toBeGreaterThanOrEqual(8);
    });

    it('GET /profile/{userId}', async () => {
      await expectConforms(await bob.request('GET', `/profile/${enc(alice.userId)}`), ['profile.yaml', '/profile/{userId}', 'get']);
    });
  });

  describe('filters', () => {
    it('POST /user/{userId}/filter, then GET it back', async () => {
      const filter = { room: { timeline: { limit: 10, types: ['m.room.message'] } }, presence: { not_types: ['*'] } };
      const created = await alice.request('POST', `/user/${enc(alice.userId)}/filter`, filter);
      await expectConforms(created, ['filter.yaml', '/user/{userId}/filter', 'post']);
      const filterId = (created.body as { filter_id: string }).filter_id;
      const fetched = await alice.request('GET', `/user/${enc(alice.userId)}/filter/${enc(filterId)}`);
      await expectConforms(fetched, ['filter.yaml', '/user/{userId}/filter/{filterId}', 'get']);
    });
  });

  describe('GET /sync', () => {
    const syncSchema: [string, string, string] = ['sync.yaml', '/sync', 'get'];
    let carol: TestClient;
    let since: string;
    let invitedRoom: string;
    let leftRoom: string;

    beforeAll(async () => {
      carol = await TestClient.register(server.baseUrl);
      await carol.join(roomId);
      since = (await carol.sync()).next_batch;
      // After `since`: messages in a joined room, an invite, and a room joined then left.
      await alice.send(roomId, { msgtype: 'm.text', body: 'for carol' });
      invitedRoom = await alice.createRoom({ name: 'invite only' });
      await alice.invite(invitedRoom, carol.userId);
      leftRoom = await alice.createRoom({ preset: 'public_chat', name: 'left' });
      await carol.join(leftRoom);
      await alice.send(leftRoom, { msgtype: 'm.text', body: 'before carol left' });
      await carol.leave(leftRoom);
    });

    it('initial sync', async () => {
      const response = await carol.request('GET', '/sync');
      await expectConforms(response, syncSchema);
      const rooms = (response.body as { rooms: Record<string, Record<string, unknown>> }).rooms;
      expect(Object.keys(rooms.join)).toContain(roomId);
      expect(Object.keys(rooms.invite)).toContain(invitedRoom);
    });

    it('incremental sync with a joined room, an invite and a left room', async () => {
      const body = await carol.syncUntil(since, (r) => leftRoom in (r.rooms?.leave ?? {}) && invitedRoom in (r.rooms?.invite ?? {}));
      expect(Object.keys(body.rooms.join)).toContain(roomId);
      assertMatchesSchema(await responseSchema(...syncSchema, 200), body, 'GET /sync (incremental) 200');
    });

    it('incremental sync that times out with nothing new', async () => {
      const { next_batch: latest } = await carol.sync();
      const response = await carol.request('GET', '/sync', undefined, { query: { since: latest, timeout: 50 } });
      await expectConforms(response, syncSchema);
    });
  });

  describe('errors', () => {
    let errorSchema: JsonSchema;
    beforeAll(async () => {
      errorSchema = await clientServerSchema('definitions/errors/error.yaml');
    });

    it('an unknown endpoint answers a Matrix error', async () => {
      const response = await alice.request('GET', '/no/such/endpoint');
      expect(response.status).toBe(404);
      assertMatchesSchema(errorSchema, response.body, '404 body');
      expect(response.body.errcode).toBe('M_UNRECOGNIZED');
    });

    it('a known path with the wrong method answers a Matrix error', async () => {
      const response = await alice.request('DELETE', '/account/whoami');
      expect(response.status).toBe(405);
      assertMatchesSchema(errorSchema, response.body, '405 body');
    });

    // message_pagination.yaml documents this 403 without a body schema: the generic error applies.
    it('a room the user is not in answers a Matrix error for /messages', async () => {
      const privateRoom = await alice.createRoom({ preset: 'private_chat' });
      const response = await bob.request('GET', `/rooms/${enc(privateRoom)}/messages`, undefined, { query: { dir: 'b' } });
      expect(response.status).toBe(403);
      assertMatchesSchema(errorSchema, response.body, '403 body');
    });
  });
});
