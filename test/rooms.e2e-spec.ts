import { request, TestClient } from './support/client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('rooms', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;
  let carol: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob, carol] = await Promise.all([
      TestClient.register(server.baseUrl),
      TestClient.register(server.baseUrl),
      TestClient.register(server.baseUrl),
    ]);
  });

  afterAll(() => server.close());

  const enc = encodeURIComponent;

  describe('POST /createRoom', () => {
    it('creates a private room with the preset state, name and topic', async () => {
      const roomId = await alice.createRoom({ name: 'Tea', topic: 'Earl Grey' });
      expect(roomId).toMatch(/^![A-Za-z0-9_-]+:localhost$/);
      const state = await alice.state(roomId);
      const content = (type: string) => state.find((event) => event.type === type)?.content;
      expect(content('m.room.create')).toMatchObject({ creator: alice.userId, room_version: '10' });
      expect(content('m.room.join_rules')).toEqual({ join_rule: 'invite' });
      expect(content('m.room.history_visibility')).toEqual({ history_visibility: 'shared' });
      expect(content('m.room.name')).toEqual({ name: 'Tea' });
      expect(content('m.room.topic')).toEqual({ topic: 'Earl Grey' });
      expect(content('m.room.power_levels').users).toEqual({ [alice.userId]: 100 });
    });

    it('makes a public_chat room joinable by anyone', async () => {
      const roomId = await alice.createRoom({ preset: 'public_chat' });
      expect(await bob.join(roomId)).toBe(roomId);
      expect((await bob.ok('GET', '/joined_rooms')).joined_rooms).toContain(roomId);
    });

    it('gives invitees of a trusted_private_chat the creator level, and applies the override', async () => {
      const roomId = await alice.createRoom({
        preset: 'trusted_private_chat',
        invite: [bob.userId],
        is_direct: true,
        power_level_content_override: { events_default: 10 },
      });
      const levels = await alice.ok('GET', `/rooms/${enc(roomId)}/state/m.room.power_levels`);
      expect(levels.users).toEqual({ [alice.userId]: 100, [bob.userId]: 100 });
      expect(levels.events_default).toBe(10);
      const invite = await alice.ok('GET', `/rooms/${enc(roomId)}/state/m.room.member/${enc(bob.userId)}`);
      expect(invite).toMatchObject({ membership: 'invite', is_direct: true });
    });

    it('applies initial_state and creation_content', async () => {
      const roomId = await alice.createRoom({
        creation_content: { 'm.federate': false },
        initial_state: [{ type: 'org.example.custom', state_key: 'k', content: { v: 1 } }],
      });
      expect(await alice.ok('GET', `/rooms/${enc(roomId)}/state/org.example.custom/k`)).toEqual({ v: 1 });
      expect((await alice.ok('GET', `/rooms/${enc(roomId)}/state/m.room.create`))['m.federate']).toBe(false);
    });

    it('creates an alias from room_alias_name and refuses a taken one', async () => {
      const name = `tea-${Date.now()}`;
      const created = await alice.ok('POST', '/createRoom', { room_alias_name: name });
      expect(created.room_alias).toBe(`#${name}:localhost`);
      const resolved = await request(server.baseUrl, 'GET', `/directory/room/${enc(`#${name}:localhost`)}`);
      expect(resolved.body).toEqual({ room_id: created.room_id, servers: ['localhost'] });
      const again = await alice.request('POST', '/createRoom', { room_alias_name: name });
      expect(again.status).toBe(400);
      expect(again.body.errcode).toBe('M_ROOM_IN_USE');
    });

    it.each([
      ['an unknown preset', 'M_INVALID_PARAM', { preset: 'party' }],
      ['invite not an array', 'M_BAD_JSON', { invite: '@x:localhost' }],
      ['initial_state without content', 'M_BAD_JSON', { initial_state: [{ type: 'x' }] }],
      ['a malformed invitee', 'M_INVALID_PARAM', { invite: ['not-a-user'] }],
      ['an alias name with a colon', 'M_INVALID_PARAM', { room_alias_name: 'a:b' }],
    ])('refuses %s with 400 %s', async (_name, errcode, body) => {
      const response = await alice.request('POST', '/createRoom', body);
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe(errcode);
    });

    it('refuses to invite a user who does not exist', async () => {
      const response = await alice.request('POST', '/createRoom', { invite: ['@nobody-here:localhost'] });
      expect(response.status).toBe(404);
    });

    it('refuses to claim a profile room alias', async () => {
      const response = await alice.request('POST', '/createRoom', { room_alias_name: '_profile_someone' });
      expect(response.status).toBe(403);
    });
  });

  describe('membership', () => {
    it('lets an invited user join an invite-only room and refuses the uninvited', async () => {
      const roomId = await alice.createRoom();
      const refused = await carol.request('POST', `/rooms/${enc(roomId)}/join`, {});
      expect(refused.status).toBe(403);
      expect(refused.body.errcode).toBe('M_FORBIDDEN');
      await alice.invite(roomId, carol.userId);
      expect(await carol.join(roomId)).toBe(roomId);
      const members = await alice.ok('GET', `/rooms/${enc(roomId)}/joined_members`);
      expect(Object.keys(members.joined).sort()).toEqual([alice.userId, carol.userId].sort());
    });

    it('joins by alias', async () => {
      const name = `alias-join-${Date.now()}`;
      const roomId = (await alice.ok('POST', '/createRoom', { preset: 'public_chat', room_alias_name: name })).room_id;
      expect(await bob.join(`#${name}:localhost`)).toBe(roomId);
    });

    it('answers 404 for joining an unknown room or alias', async () => {
      for (const target of ['!unknown:localhost', '#unknown:localhost']) {
        const response = await bob.request('POST', `/join/${enc(target)}`, {});
        expect(response.status).toBe(404);
        expect(response.body.errcode).toBe('M_NOT_FOUND');
      }
    });

    it('answers 400 for a malformed room ID or alias', async () => {
      const response = await bob.request('POST', `/join/${enc('nonsense')}`, {});
      expect(response.status).toBe(400);
    });

    it('leaves a room, after which sending is forbidden', async () => {
      const roomId = await alice.createRoom({ preset: 'public_chat' });
      await bob.join(roomId);
      await bob.leave(roomId);
      const response = await bob.request('PUT', `/rooms/${enc(roomId)}/send/m.room.message/t1`, { body: 'x', msgtype: 'm.text' });
      expect(response.status).toBe(403);
      expect((await alice.ok('GET', `/rooms/${enc(roomId)}/members`, undefined, { query: { membership: 'leave' } })).chunk).toHaveLength(1);
    });

    it('refuses an invite from someone below the invite level', async () => {
      const roomId = await alice.createRoom({ preset: 'public_chat', power_level_content_override: { invite: 50 } });
      await bob.join(roomId);
      const response = await bob.request('POST', `/rooms/${enc(roomId)}/invite`, { user_id: carol.userId });
      expect(response.status).toBe(403);
    });

    it('lets the creator kick and ban, and a banned user cannot rejoin', async () => {
      const roomId = await alice.createRoom({ preset: 'public_chat' });
      await bob.join(roomId);
      await alice.ok('POST', `/rooms/${enc(roomId)}/kick`, { user_id: bob.userId, reason: 'tidy' });
      await bob.join(roomId);
      await alice.ok('POST', `/rooms/${enc(roomId)}/ban`, { user_id: bob.userId });
      const rejoin = await bob.request('POST', `/rooms/${enc(roomId)}/join`, {});
      expect(rejoin.status).toBe(403);
      const kickBack = await bob.request('POST', `/rooms/${enc(roomId)}/kick`, { user_id: alice.userId });
      expect(kickBack.status).toBe(403);
      await alice.ok('POST', `/rooms/${enc(roomId)}/unban`, { user_id: bob.userId });
      await bob.join(roomId);
    });
  });

  describe('events and state', () => {
    let roomId: string;

    beforeAll(async () => {
      roomId = await alice.createRoom({ preset: 'public_chat' });
      await bob.join(roomId);
    });

    it('sends a message idempotently per transaction ID', async () => {
      const path = `/rooms/${enc(roomId)}/send/m.room.message/same-txn`;
      const first = await alice.ok('PUT', path, { msgtype: 'm.text', body: 'once' });
      const second = await alice.ok('PUT', path, { msgtype: 'm.text', body: 'once' });
      expect(second.event_id).toBe(first.event_id);
      const event = await bob.ok('GET', `/rooms/${enc(roomId)}/event/${enc(first.event_id)}`);
      expect(event).toMatchObject({ type: 'm.room.message', sender: alice.userId, content: { body: 'once' } });
      expect(event.unsigned.transaction_id).toBeUndefined();
      const own = await alice.ok('GET', `/rooms/${enc(roomId)}/event/${enc(first.event_id)}`);
      expect(own.unsigned.transaction_id).toBe('same-txn');
    });

    it('treats the same transaction ID from another user as a new event', async () => {
      const path = `/rooms/${enc(roomId)}/send/m.room.message/shared-txn`;
      const first = await alice.ok('PUT', path, { body: 'a' });
      const second = await bob.ok('PUT', path, { body: 'b' });
      expect(second.event_id).not.toBe(first.event_id);
    });

    it('writes and reads state, with and without a state key', async () => {
      await alice.ok('PUT', `/rooms/${enc(roomId)}/state/m.room.topic`, { topic: 'one' });
      expect(await bob.ok('GET', `/rooms/${enc(roomId)}/state/m.room.topic/`)).toEqual({ topic: 'one' });
      const asEvent = await bob.ok('GET', `/rooms/${enc(roomId)}/state/m.room.topic`, undefined, { query: { format: 'event' } });
      expect(asEvent).toMatchObject({ type: 'm.room.topic', state_key: '', content: { topic: 'one' } });
    });

    it('returns the existing event for identical state', async () => {
      const first = await alice.setState(roomId, 'org.example.same', '', { a: 1 });
      const second = await alice.setState(roomId, 'org.example.same', '', { a: 1 });
      expect(second).toBe(first);
    });

    it('records the replaced state in unsigned', async () => {
      await alice.setState(roomId, 'org.example.prev', '', { n: 1 });
      await alice.setState(roomId, 'org.example.prev', '', { n: 2 });
      const event = await alice.ok('GET', `/rooms/${enc(roomId)}/state/org.example.prev`, undefined, { query: { format: 'event' } });
      expect(event.unsigned.prev_content).toEqual({ n: 1 });
    });

    it('refuses state from a user below the required power level', async () => {
      const response = await bob.request('PUT', `/rooms/${enc(roomId)}/state/m.room.name`, { name: 'mine' });
      expect(response.status).toBe(403);
      expect(response.body.errcode).toBe('M_FORBIDDEN');
    });

    it('refuses m.presence from any client, in any room, in either identifier form', async () => {
      const profileRoom = await alice.profileRoomId();
      for (const target of [roomId, profileRoom]) {
        for (const type of ['m.presence', 'org.matrix.msc3032.presence']) {
          const state = await alice.request('PUT', `/rooms/${enc(target)}/state/${type}/`, { presence: 'online' });
          expect(state.status).toBe(403);
          expect(state.body.errcode).toBe('M_FORBIDDEN');
          const message = await alice.request('PUT', `/rooms/${enc(target)}/send/${type}/t-${type}`, { presence: 'online' });
          expect(message.status).toBe(403);
        }
      }
    });

    it('answers 404 for missing state and 403 for a room the user is not in', async () => {
      const missing = await alice.request('GET', `/rooms/${enc(roomId)}/state/org.example.none/`);
      expect(missing.status).toBe(404);
      expect(missing.body.errcode).toBe('M_NOT_FOUND');
      const outsider = await carol.request('GET', `/rooms/${enc(roomId)}/state`);
      expect(outsider.status).toBe(403);
      const unknown = await carol.request('PUT', `/rooms/${enc('!nope:localhost')}/send/m.room.message/x`, { body: 'x' });
      expect(unknown.status).toBe(403);
    });

    it('refuses an event over 64 KiB with 413 M_TOO_LARGE and stores nothing', async () => {
      const before = (await alice.ok('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'b', limit: 1 } })).chunk[0];
      const response = await alice.request('PUT', `/rooms/${enc(roomId)}/send/m.room.message/huge`, { body: 'x'.repeat(70_000) });
      expect(response.status).toBe(413);
      expect(response.body.errcode).toBe('M_TOO_LARGE');
      const after = (await alice.ok('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'b', limit: 1 } })).chunk[0];
      expect(after.event_id).toBe(before.event_id);
    });

    it('refuses content that is not a JSON object', async () => {
      const response = await alice.request('PUT', `/rooms/${enc(roomId)}/send/m.room.message/arr`, [1, 2]);
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_BAD_JSON');
    });

    it('paginates history backwards and forwards with /messages', async () => {
      const room = await alice.createRoom();
      for (let n = 1; n <= 5; n += 1) await alice.send(room, { msgtype: 'm.text', body: `m${n}` });
      const page1 = await alice.ok('GET', `/rooms/${enc(room)}/messages`, undefined, {
        query: { dir: 'b', limit: 2, filter: JSON.stringify({ types: ['m.room.message'] }) },
      });
      expect(page1.chunk.map((event: any) => event.content.body)).toEqual(['m5', 'm4']);
      const page2 = await alice.ok('GET', `/rooms/${enc(room)}/messages`, undefined, {
        query: { dir: 'b', limit: 2, from: page1.end, filter: JSON.stringify({ types: ['m.room.message'] }) },
      });
      expect(page2.chunk.map((event: any) => event.content.body)).toEqual(['m3', 'm2']);
      const forward = await alice.ok('GET', `/rooms/${enc(room)}/messages`, undefined, {
        query: { dir: 'f', limit: 100, filter: JSON.stringify({ types: ['m.room.message'] }) },
      });
      expect(forward.chunk.map((event: any) => event.content.body)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(forward.end).toBeUndefined();
    });

    it('refuses a garbage pagination token or direction', async () => {
      const token = await alice.request('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'b', from: 'garbage' } });
      expect(token.status).toBe(400);
      expect(token.body.errcode).toBe('M_INVALID_PARAM');
      const dir = await alice.request('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'sideways' } });
      expect(dir.status).toBe(400);
    });
  });

  describe('directory', () => {
    it('creates, resolves and deletes an alias', async () => {
      const roomId = await alice.createRoom();
      const alias = `#dir-${Date.now()}:localhost`;
      await alice.ok('PUT', `/directory/room/${enc(alias)}`, { room_id: roomId });
      const conflict = await alice.request('PUT', `/directory/room/${enc(alias)}`, { room_id: roomId });
      expect(conflict.status).toBe(409);
      expect((await request(server.baseUrl, 'GET', `/directory/room/${enc(alias)}`)).body.room_id).toBe(roomId);
      const notMine = await bob.request('DELETE', `/directory/room/${enc(alias)}`);
      expect(notMine.status).toBe(403);
      await alice.ok('DELETE', `/directory/room/${enc(alias)}`);
      expect((await request(server.baseUrl, 'GET', `/directory/room/${enc(alias)}`)).status).toBe(404);
    });

    it('answers 400 for a malformed alias', async () => {
      const response = await request(server.baseUrl, 'GET', `/directory/room/${enc('no-sigil')}`);
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_INVALID_PARAM');
    });
  });
});
