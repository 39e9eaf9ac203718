import { request, TestClient, uniqueName } from './support/client.js';
import { createTestDatabase } from './support/test-database.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** Inputs that once reached code not written for them, and answered 500. */
describe('bad input', () => {
  let server: TestServer;
  let alice: TestClient;
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await TestClient.register(server.baseUrl);
    roomId = await alice.createRoom({ name: 'bad input' });
    await alice.send(roomId, { msgtype: 'm.text', body: 'hello' });
  });

  afterAll(() => server.close());

  const badJson = { status: 400, errcode: 'M_BAD_JSON' };
  const invalidParam = { status: 400, errcode: 'M_INVALID_PARAM' };
  const outcome = (response: { status: number; body: Record<string, any> }) => ({ status: response.status, errcode: response.body.errcode });

  describe('null where a value of another type belongs', () => {
    it.each([
      ['password', { username: uniqueName(), password: null }],
      ['username', { username: null, password: 'secret-password' }],
      ['device_id', { username: uniqueName(), password: 'secret-password', device_id: null }],
      ['inhibit_login', { username: uniqueName(), password: 'secret-password', inhibit_login: null }],
    ])('register refuses a null %s', async (_field, body) => {
      const response = await request(server.baseUrl, 'POST', '/register', { ...body, auth: { type: 'm.login.dummy' } });
      expect(outcome(response)).toEqual(badJson);
    });

    it('register reads a null auth as absent and answers the flows, as matrix-js-sdk asks for them', async () => {
      const response = await request(server.baseUrl, 'POST', '/register', { username: uniqueName(), password: 'secret-password', auth: null });
      expect(response.status).toBe(401);
      expect(response.body.flows).toEqual([{ stages: ['m.login.dummy'] }]);
    });

    it.each([
      ['room_alias_name', { room_alias_name: null }],
      ['name', { name: null }],
      ['invite', { invite: null }],
      ['an initial_state state_key', { initial_state: [{ type: 'm.room.topic', state_key: null, content: { topic: 't' } }] }],
      ['an invite item', { invite: [null] }],
    ])('createRoom refuses a null %s', async (_field, body) => {
      expect(outcome(await alice.request('POST', '/createRoom', body))).toEqual(badJson);
    });

    it('login, presence, membership and typing refuse nulls too', async () => {
      const login = await request(server.baseUrl, 'POST', '/login', { type: 'm.login.password', user: 'someone', password: null });
      expect(outcome(login)).toEqual(badJson);
      const presence = await alice.request('PUT', `/presence/${encodeURIComponent(alice.userId)}/status`, { presence: 'online', status_msg: null });
      expect(outcome(presence)).toEqual(badJson);
      expect(outcome(await alice.request('POST', `/rooms/${encodeURIComponent(roomId)}/leave`, { reason: null }))).toEqual(badJson);
      const typing = await alice.request('PUT', `/rooms/${encodeURIComponent(roomId)}/typing/${encodeURIComponent(alice.userId)}`, {
        typing: true,
        timeout: null,
      });
      expect(outcome(typing)).toEqual(badJson);
    });
  });

  it.each([
    ['a JSON null', 'null'],
    ['an array', '[1]'],
    ['a string', '"text"'],
    ['a number', '5'],
    ['a boolean', 'true'],
  ])('endpoints taking any JSON object refuse %s as the body', async (_name, rawBody) => {
    const room = encodeURIComponent(roomId);
    const user = encodeURIComponent(alice.userId);
    for (const [method, path] of [
      ['PUT', `/user/${user}/account_data/org.example.bad`],
      ['PUT', `/user/${user}/rooms/${room}/account_data/org.example.bad`],
      ['PUT', `/rooms/${room}/send/m.room.message/${uniqueName('txn')}`],
      ['PUT', `/rooms/${room}/state/org.example.bad`],
      ['PUT', `/profile/${user}/displayname`],
      ['POST', `/rooms/${room}/read_markers`],
      ['POST', `/user/${user}/filter`],
    ]) {
      expect({ path, ...outcome(await alice.request(method, path, undefined, { rawBody })) }).toEqual({ path, ...badJson });
    }
    expect(outcome(await alice.request('GET', `/user/${user}/account_data/org.example.bad`))).toEqual({ status: 404, errcode: 'M_NOT_FOUND' });
  });

  describe('deeply nested bodies', () => {
    const deepObject = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;
    const deepArray = `${'['.repeat(3000)}${']'.repeat(3000)}`;

    it.each([
      ['an object under an unknown key', `{"type":5,"x":${deepObject}}`],
      ['arrays as the identifier', `{"type":"m.login.password","identifier":${deepArray},"password":"x"}`],
    ])('login refuses %s nested 3,000 levels deep', async (_name, rawBody) => {
      expect(outcome(await request(server.baseUrl, 'POST', '/login', undefined, { rawBody }))).toEqual(badJson);
    });

    it('createRoom and event content refuse them as well, while ordinary nesting passes', async () => {
      expect(outcome(await alice.request('POST', '/createRoom', undefined, { rawBody: `{"creation_content":${deepObject}}` }))).toEqual(badJson);
      const path = `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${uniqueName('txn')}`;
      expect(outcome(await alice.request('PUT', path, undefined, { rawBody: deepObject }))).toEqual(badJson);
      const nested = JSON.parse(`${'{"a":'.repeat(20)}1${'}'.repeat(20)}`) as Record<string, unknown>;
      await alice.send(roomId, { msgtype: 'm.text', body: 'nested', nested });
    });
  });

  describe('repeated query parameters', () => {
    it.each([
      ['/sync?filter=1&filter=2'],
      ['/sync?since=s1&since=s2'],
      ['/register/available?username=a&username=b'],
      ['/events?room_id=!a:localhost&room_id=!b:localhost'],
    ])('%s is refused with M_INVALID_PARAM', async (path) => {
      expect(outcome(await alice.request('GET', path))).toEqual(invalidParam);
    });

    it('a /messages parameter of the wrong form is an invalid parameter, not bad JSON', async () => {
      const room = encodeURIComponent(roomId);
      for (const query of ['dir=b&limit=1e308', 'dir=b&limit=x', 'dir=sideways']) {
        expect({ query, ...outcome(await alice.request('GET', `/rooms/${room}/messages?${query}`)) }).toEqual({ query, ...invalidParam });
      }
    });

    it('a repeated /messages or state parameter is refused too', async () => {
      const room = encodeURIComponent(roomId);
      expect(outcome(await alice.request('GET', `/rooms/${room}/messages?dir=b&dir=f`))).toEqual(invalidParam);
      expect(outcome(await alice.request('GET', `/rooms/${room}/state/m.room.name?format=event&format=content`))).toEqual(invalidParam);
    });
  });

  describe('filters', () => {
    const filterPath = () => `/user/${encodeURIComponent(alice.userId)}/filter`;

    it.each([
      ['a limit of 1e308', { room: { timeline: { limit: 1e308 } } }, badJson],
      ['a fractional limit', { room: { timeline: { limit: 2.5 } } }, badJson],
      ['a null list', { room: { timeline: { types: null } } }, badJson],
      ['a list of 5,000 rooms', { room: { rooms: Array.from({ length: 5000 }, (_, n) => `!r${n}:localhost`) } }, badJson],
      ['100 KB of padding', { padding: 'x'.repeat(100_000) }, invalidParam],
    ])('POST /filter refuses %s', async (_name, filter, expected) => {
      expect(outcome(await alice.request('POST', filterPath(), filter))).toEqual(expected);
    });

    it('an inline /sync filter is held to the same bounds', async () => {
      const sync = (filter: unknown) => alice.request('GET', '/sync', undefined, { query: { filter: JSON.stringify(filter) } });
      expect(outcome(await sync({ room: { timeline: { limit: 1e308 } } }))).toEqual(badJson);
      expect(outcome(await sync({ room: { timeline: { types: Array.from({ length: 1001 }, () => 'a') } } }))).toEqual(badJson);
      const deep = await alice.request('GET', '/sync', undefined, { query: { filter: `{"x":${'['.repeat(200)}${']'.repeat(200)}}` } });
      expect(outcome(deep)).toEqual(invalidParam);
    });

    it('event_fields naming inherited properties select nothing rather than failing', async () => {
      const filter = JSON.stringify({ event_fields: ['constructor.name', '__proto__.toString', 'type'], room: { timeline: { limit: 1 } } });
      const response = await alice.sync({ filter });
      expect(response.rooms.join[roomId].timeline.events).toEqual([{ type: 'm.room.message' }]);
    });

    it('a filter within bounds is stored and read back as given', async () => {
      const filter = { room: { timeline: { limit: 5, types: ['m.room.*'] } }, org_example_unknown: [1, 2] };
      const { filter_id: filterId } = await alice.ok('POST', filterPath(), filter);
      expect(await alice.ok('GET', `${filterPath()}/${filterId}`)).toEqual(filter);
      expect((await alice.sync({ filter: filterId })).rooms.join[roomId]).toBeDefined();
    });
  });
});

describe('names that are also properties of every JavaScript object', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.close());

  it('are not profile fields until set', async () => {
    const alice = await TestClient.register(server.baseUrl);
    const profile = `/profile/${encodeURIComponent(alice.userId)}`;
    for (const field of ['constructor', 'toString', 'hasOwnProperty']) {
      expect({ field, ...outcomeOf(await alice.request('GET', `${profile}/${field}`)) }).toEqual({ field, status: 404, errcode: 'M_NOT_FOUND' });
      expect({ field, ...outcomeOf(await alice.request('PUT', `${profile}/${field}`, {})) }).toEqual({ field, status: 400, errcode: 'M_BAD_JSON' });
    }
  });

  it('are profile fields like any other once set, touching no member event', async () => {
    const alice = await TestClient.register(server.baseUrl);
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    const user = encodeURIComponent(alice.userId);
    await alice.ok('PUT', `/profile/${user}/constructor`, { constructor: 'a value' });
    expect(await alice.ok('GET', `/profile/${user}/constructor`)).toEqual({ constructor: 'a value' });
    const member = await alice.ok('GET', `/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${user}`);
    expect(Object.keys(member).sort()).toEqual(['displayname', 'membership']);
  });

  it('are event types like any other to the power levels', async () => {
    const [alice, bob] = [await TestClient.register(server.baseUrl), await TestClient.register(server.baseUrl)];
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    for (const type of ['constructor', 'toString', 'm.room.topic']) {
      const response = await bob.request('PUT', `/rooms/${encodeURIComponent(roomId)}/state/${type}`, { x: 1 });
      expect({ type, ...outcomeOf(response) }).toEqual({ type, status: 403, errcode: 'M_FORBIDDEN' });
    }
  });
});

function outcomeOf(response: { status: number; body: Record<string, any> }) {
  return { status: response.status, errcode: response.body.errcode };
}

describe('filters already bad in the database', () => {
  it('are read leniently by /sync after a restart, not fatally', async () => {
    const database = await createTestDatabase();
    try {
      const first = await startTestServer({}, { database });
      const alice = await TestClient.register(first.baseUrl);
      const roomId = await alice.createRoom({ name: 'stored filters' });
      for (let n = 0; n < 3; n++) await alice.send(roomId, { msgtype: 'm.text', body: `message ${n}` });
      await first.stop();

      // Rows as an older server, or a hand edit, might have left them.
      const definitions = ['{"room":{"timeline":{"limit":1e308}}}', 'null', '"text"', 'not json at all', '{"room":{"timeline":{"limit":2,"types":7}}}'];
      for (const [filterId, definition] of definitions.entries()) {
        await database.query('INSERT INTO filters (user_id, filter_id, definition) VALUES ($1, $2, $3)', [alice.userId, filterId, definition]);
      }

      // Restarted, so the room's recent events are read from the database with the filter's limit.
      const second = await startTestServer({}, { database });
      try {
        const again = new TestClient(second.baseUrl, alice.userId, alice.accessToken, alice.deviceId);
        const timelines: number[] = [];
        for (const filterId of definitions.keys()) {
          const response = await again.sync({ filter: String(filterId) });
          timelines.push(response.rooms.join[roomId].timeline.events.length);
        }
        // Clamped to 1000 (so all of them), ignored (the default of 10), and a limit kept where the rest is malformed.
        expect(timelines[0]).toBeGreaterThan(3);
        expect(timelines.slice(1, 4).every((count) => count === timelines[1] && count > 3)).toBe(true);
        expect(timelines[4]).toBe(2);
        expect(await again.ok('GET', `/user/${encodeURIComponent(alice.userId)}/filter/3`)).toEqual({});
      } finally {
        await second.stop();
      }
    } finally {
      await database.drop();
    }
  });
});
