import { TestClient } from './support/client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('GET /sync', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob] = await Promise.all([TestClient.register(server.baseUrl), TestClient.register(server.baseUrl)]);
  });

  afterAll(() => server.close());

  const enc = encodeURIComponent;
  const bodies = (room: any) => room.timeline.events.filter((e: any) => e.type === 'm.room.message').map((e: any) => e.content.body);

  it('returns joined rooms with state and timeline on an initial sync', async () => {
    const roomId = await alice.createRoom({ name: 'initial' });
    await alice.send(roomId, { msgtype: 'm.text', body: 'first' });
    const response = await alice.sync();
    expect(response.next_batch).toMatch(/^s\d+_\d+_\d+_\d+$/);
    const room = response.rooms.join[roomId];
    expect(bodies(room)).toEqual(['first']);
    const allState = [...room.state.events, ...room.timeline.events].filter((e: any) => e.state_key !== undefined);
    expect(allState.map((e: any) => e.type)).toEqual(expect.arrayContaining(['m.room.create', 'm.room.member', 'm.room.name']));
    expect(room.timeline.events[0].room_id).toBeUndefined();
    expect(response.presence.events).toEqual([
      expect.objectContaining({ type: 'm.presence', sender: alice.userId, content: expect.objectContaining({ presence: 'online' }) }),
    ]);
  });

  it('returns only what changed since the token', async () => {
    const roomId = await alice.createRoom();
    const { next_batch: since } = await alice.sync();
    await alice.send(roomId, { msgtype: 'm.text', body: 'later' });
    const response = await alice.sync({ since });
    expect(Object.keys(response.rooms.join)).toEqual([roomId]);
    expect(bodies(response.rooms.join[roomId])).toEqual(['later']);
    expect(response.rooms.join[roomId].state.events).toEqual([]);
  });

  it('returns every joined room with its full state when full_state is set', async () => {
    const roomId = await alice.createRoom({ name: 'full' });
    const { next_batch: since } = await alice.sync();
    const response = await alice.sync({ since, full_state: true });
    const room = response.rooms.join[roomId];
    const types = [...room.state.events, ...room.timeline.events].map((e: any) => e.type);
    expect(types).toEqual(expect.arrayContaining(['m.room.create', 'm.room.name']));
  });

  it('wakes a waiting long-poll when an event arrives', async () => {
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    const { next_batch: since } = await bob.sync();
    const waiting = bob.sync({ since, timeout: 30_000 });
    await alice.send(roomId, { msgtype: 'm.text', body: 'wake up' });
    const response = await waiting;
    expect(bodies(response.rooms.join[roomId])).toEqual(['wake up']);
  });

  it('returns an empty response when the timeout passes with nothing new', async () => {
    const { next_batch: since } = await alice.sync();
    const response = await alice.sync({ since, timeout: 50 });
    expect(response.rooms.join).toEqual({});
    expect(response.next_batch).toBe(since);
  });

  it('shows an invite, then the room as joined with its full state', async () => {
    const roomId = await alice.createRoom({ name: 'invited-room' });
    const { next_batch: since } = await bob.sync();
    await alice.invite(roomId, bob.userId);
    const invited = await bob.syncUntil(since, (r) => roomId in r.rooms.invite);
    const stripped = invited.rooms.invite[roomId].invite_state.events;
    expect(stripped).toContainEqual(expect.objectContaining({ type: 'm.room.name', content: { name: 'invited-room' } }));
    expect(stripped).toContainEqual(expect.objectContaining({ type: 'm.room.member', state_key: bob.userId }));
    await bob.join(roomId);
    const joined = await bob.syncUntil(invited.next_batch, (r) => roomId in r.rooms.join);
    const room = joined.rooms.join[roomId];
    const stateTypes = [...room.state.events, ...room.timeline.events].map((e: any) => e.type);
    expect(stateTypes).toEqual(expect.arrayContaining(['m.room.create', 'm.room.power_levels', 'm.room.name']));
  });

  it('sends an own join→join member change as an incremental update, and a rejoin in full', async () => {
    const roomId = await alice.createRoom({ preset: 'public_chat', name: 'profile-change' });
    await bob.join(roomId);
    for (const body of ['a', 'b', 'c']) await alice.send(roomId, { msgtype: 'm.text', body });
    const { next_batch: since } = await bob.sync();
    await bob.ok('PUT', `/profile/${enc(bob.userId)}/avatar_url`, { avatar_url: 'mxc://example.org/bob' });
    await bob.setState(roomId, 'm.room.member', bob.userId, { membership: 'join', displayname: 'Bob here' });
    const changed = await bob.sync({ since });
    const room = changed.rooms.join[roomId];
    expect(room.timeline.limited).toBe(false);
    expect(room.state.events).toEqual([]);
    expect(room.timeline.events).toEqual([
      expect.objectContaining({
        type: 'm.room.member',
        state_key: bob.userId,
        content: expect.objectContaining({ avatar_url: 'mxc://example.org/bob' }),
      }),
      expect.objectContaining({ type: 'm.room.member', state_key: bob.userId, content: { membership: 'join', displayname: 'Bob here' } }),
    ]);
    // Of presence, only bob's own, which carries the new avatar.
    expect(changed.presence.events.map((e: any) => e.sender)).toEqual([bob.userId]);

    await bob.leave(roomId);
    const { next_batch: left } = await bob.sync({ since: changed.next_batch });
    await bob.join(roomId);
    const rejoined = (await bob.sync({ since: left })).rooms.join[roomId];
    expect(bodies(rejoined)).toEqual(['a', 'b', 'c']);
    const types = [...rejoined.state.events, ...rejoined.timeline.events].map((e: any) => e.type);
    expect(types).toEqual(expect.arrayContaining(['m.room.create', 'm.room.name']));
  });

  it('moves a left room to rooms.leave once', async () => {
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    const { next_batch: since } = await bob.sync();
    await bob.leave(roomId);
    const response = await bob.sync({ since });
    const leave = response.rooms.leave[roomId];
    expect(leave.timeline.events.at(-1)).toMatchObject({ type: 'm.room.member', content: { membership: 'leave' } });
    const again = await bob.sync({ since: response.next_batch });
    expect(again.rooms.leave[roomId]).toBeUndefined();
  });

  it('limits the timeline and says so, with a token to paginate from', async () => {
    const roomId = await alice.createRoom();
    const { next_batch: since } = await alice.sync();
    for (let n = 1; n <= 4; n += 1) await alice.send(roomId, { msgtype: 'm.text', body: `n${n}` });
    const filter = JSON.stringify({ room: { timeline: { limit: 2 } } });
    const room = (await alice.sync({ since, filter })).rooms.join[roomId];
    expect(bodies(room)).toEqual(['n3', 'n4']);
    expect(room.timeline.limited).toBe(true);
    const older = await alice.ok('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'b', from: room.timeline.prev_batch, limit: 2 } });
    expect(older.chunk.map((e: any) => e.content.body)).toEqual(['n2', 'n1']);
  });

  it('applies a stored filter and returns it from GET', async () => {
    const definition = { room: { timeline: { types: ['m.room.message'], limit: 5 } }, presence: { types: ['m.presence'] } };
    const { filter_id: filterId } = await alice.ok('POST', `/user/${enc(alice.userId)}/filter`, definition);
    expect(await alice.ok('GET', `/user/${enc(alice.userId)}/filter/${filterId}`)).toEqual(definition);
    const roomId = await alice.createRoom();
    await alice.send(roomId, { msgtype: 'm.text', body: 'only messages' });
    const room = (await alice.sync({ filter: filterId })).rooms.join[roomId];
    expect(room.timeline.events.map((e: any) => e.type)).toEqual(['m.room.message']);
  });

  it('filters rooms with not_rooms and projects event_fields', async () => {
    const hidden = await alice.createRoom();
    const shown = await alice.createRoom();
    await alice.send(shown, { msgtype: 'm.text', body: 'x' });
    const response = await alice.sync({ filter: JSON.stringify({ room: { not_rooms: [hidden] }, event_fields: ['type', 'content.body'] }) });
    expect(response.rooms.join[hidden]).toBeUndefined();
    const message = response.rooms.join[shown].timeline.events.find((e: any) => e.type === 'm.room.message');
    expect(message).toEqual({ type: 'm.room.message', content: { body: 'x' } });
  });

  it('delivers account data, global and per room', async () => {
    const roomId = await alice.createRoom();
    const { next_batch: since } = await alice.sync();
    await alice.ok('PUT', `/user/${enc(alice.userId)}/account_data/org.example.settings`, { theme: 'dark' });
    await alice.ok('PUT', `/user/${enc(alice.userId)}/rooms/${enc(roomId)}/account_data/org.example.tag`, { pinned: true });
    const response = await alice.sync({ since });
    expect(response.account_data.events).toContainEqual({ type: 'org.example.settings', content: { theme: 'dark' } });
    expect(response.rooms.join[roomId].account_data.events).toContainEqual({ type: 'org.example.tag', content: { pinned: true } });
    expect(await alice.ok('GET', `/user/${enc(alice.userId)}/account_data/org.example.settings`)).toEqual({ theme: 'dark' });
    const foreign = await bob.request('GET', `/user/${enc(alice.userId)}/account_data/org.example.settings`);
    expect(foreign.status).toBe(403);
  });

  it('ignores unknown query parameters', async () => {
    const response = await alice.request('GET', '/sync', undefined, { query: { made_up: 'yes', use_state_after: 'true' } });
    expect(response.status).toBe(200);
  });

  it.each([
    ['a garbage since token', { since: 'not-a-token' }],
    ['a non-numeric timeout', { timeout: 'soon' }],
    ['a malformed inline filter', { filter: '{"room": ' }],
    ['an unknown filter ID', { filter: '9999' }],
    ['a bad full_state', { full_state: 'maybe' }],
  ])('refuses %s with 400', async (_name, query) => {
    const response = await alice.request('GET', '/sync', undefined, { query });
    expect(response.status).toBe(400);
    expect(['M_INVALID_PARAM', 'M_BAD_JSON']).toContain(response.body.errcode);
  });

  it('refuses a filter of the wrong shape when stored', async () => {
    const response = await alice.request('POST', `/user/${enc(alice.userId)}/filter`, { room: { timeline: { limit: 'ten' } } });
    expect(response.status).toBe(400);
    expect(response.body.errcode).toBe('M_BAD_JSON');
  });

  it("refuses to store or read another user's filter", async () => {
    const store = await bob.request('POST', `/user/${enc(alice.userId)}/filter`, {});
    expect(store.status).toBe(403);
    const read = await alice.request('GET', `/user/${enc(alice.userId)}/filter/424242`);
    expect(read.status).toBe(404);
  });

  it('clamps a negative timeout to an immediate answer', async () => {
    const { next_batch: since } = await alice.sync();
    const response = await alice.sync({ since, timeout: -5 });
    expect(response.next_batch).toBe(since);
  });
});
