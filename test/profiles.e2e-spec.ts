import { request, TestClient } from './support/client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;

describe('profile rooms', () => {
  let server: TestServer;
  let alice: TestClient;
  let bob: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob] = await Promise.all([TestClient.register(server.baseUrl), TestClient.register(server.baseUrl)]);
  });

  afterAll(() => server.close());

  it('creates a profile room with the account, owned by the user alone', async () => {
    const roomId = await alice.profileRoomId();
    const state = await alice.state(roomId);
    const find = (type: string, stateKey = '') => state.find((e) => e.type === type && e.state_key === stateKey);
    const localpart = alice.userId.slice(1, alice.userId.indexOf(':'));
    expect(find('m.room.create')!.content.type).toBe('m.profile');
    expect(find('m.room.canonical_alias')!.content.alias).toBe(`#_profile_${localpart}:localhost`);
    expect(state.filter((e) => e.type === 'm.room.member').map((e) => e.state_key)).toEqual([alice.userId]);
    expect(find('m.room.join_rules')!.content.join_rule).toBe('invite');
    const levels = find('m.room.power_levels')!.content;
    expect(levels.users).toEqual({ [alice.userId]: 100 });
    expect(levels.events['m.presence']).toBeGreaterThan(100);
    expect(find('m.profile.privacy')!.content).toEqual({ visibility: 'restricted' });
    expect(find('m.profile', 'displayname')!.content).toEqual({ value: localpart });
  });

  it('keeps strangers out of the profile room', async () => {
    const roomId = await alice.profileRoomId();
    expect((await bob.request('POST', `/rooms/${enc(roomId)}/join`, {})).status).toBe(403);
    expect((await bob.request('GET', `/rooms/${enc(roomId)}/state`)).status).toBe(403);
  });

  it('does not let the owner lower the presence level to publish presence', async () => {
    const roomId = await alice.profileRoomId();
    const levels = await alice.ok('GET', `/rooms/${enc(roomId)}/state/m.room.power_levels`);
    const response = await alice.request('PUT', `/rooms/${enc(roomId)}/state/m.room.power_levels`, {
      ...levels,
      events: { ...levels.events, 'm.presence': 0 },
    });
    expect(response.status).toBe(403);
  });

  it('writes the display name into the profile room and every joined room', async () => {
    const shared = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(shared);
    await alice.ok('PUT', `/profile/${enc(alice.userId)}/displayname`, { displayname: 'Alice A.' });
    const profileRoom = await alice.profileRoomId();
    expect(await alice.ok('GET', `/rooms/${enc(profileRoom)}/state/m.profile/displayname`)).toEqual({ value: 'Alice A.' });
    const member = await bob.ok('GET', `/rooms/${enc(shared)}/state/m.room.member/${enc(alice.userId)}`);
    expect(member).toEqual({ membership: 'join', displayname: 'Alice A.' });
    expect(await request(server.baseUrl, 'GET', `/profile/${enc(alice.userId)}/displayname`)).toMatchObject({
      status: 200,
      body: { displayname: 'Alice A.' },
    });
  });

  it('sets, reads and removes avatar_url and custom fields', async () => {
    await alice.ok('PUT', `/profile/${enc(alice.userId)}/avatar_url`, { avatar_url: 'mxc://localhost/abc' });
    await alice.ok('PUT', `/profile/${enc(alice.userId)}/org.example.pronouns`, { 'org.example.pronouns': 'she/her' });
    const profile = await request(server.baseUrl, 'GET', `/profile/${enc(alice.userId)}`);
    expect(profile.body).toMatchObject({ avatar_url: 'mxc://localhost/abc', 'org.example.pronouns': 'she/her' });
    await alice.ok('DELETE', `/profile/${enc(alice.userId)}/org.example.pronouns`);
    const field = await request(server.baseUrl, 'GET', `/profile/${enc(alice.userId)}/org.example.pronouns`);
    expect(field.status).toBe(404);
  });

  it("refuses to change another user's profile", async () => {
    const response = await bob.request('PUT', `/profile/${enc(alice.userId)}/displayname`, { displayname: 'Mallory' });
    expect(response.status).toBe(403);
    expect(response.body.errcode).toBe('M_FORBIDDEN');
  });

  it.each([
    ['a non-string displayname', { displayname: 7 }, 'M_BAD_JSON'],
    ['a body without the field', { other: 'x' }, 'M_BAD_JSON'],
    ['an over-long displayname', { displayname: 'x'.repeat(300) }, 'M_INVALID_PARAM'],
  ])('refuses %s, keeping the stored name', async (_name, body, errcode) => {
    const before = await request(server.baseUrl, 'GET', `/profile/${enc(bob.userId)}/displayname`);
    const response = await bob.request('PUT', `/profile/${enc(bob.userId)}/displayname`, body);
    expect(response.status).toBe(400);
    expect(response.body.errcode).toBe(errcode);
    const after = await request(server.baseUrl, 'GET', `/profile/${enc(bob.userId)}/displayname`);
    expect(after.body).toEqual(before.body);
  });

  it('answers 404 for an unknown user and 400 for a malformed ID', async () => {
    expect((await request(server.baseUrl, 'GET', `/profile/${enc('@ghost:localhost')}`)).status).toBe(404);
    const malformed = await request(server.baseUrl, 'GET', `/profile/${enc('ghost')}`);
    expect(malformed.status).toBe(400);
    expect(malformed.body.errcode).toBe('M_INVALID_PARAM');
  });

  it('puts the display name on member events when joining', async () => {
    await bob.ok('PUT', `/profile/${enc(bob.userId)}/displayname`, { displayname: 'Bobby' });
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    expect(await alice.ok('GET', `/rooms/${enc(roomId)}/state/m.room.member/${enc(bob.userId)}`)).toMatchObject({
      displayname: 'Bobby',
    });
  });
});

describe('profile rooms with unstable identifiers', () => {
  it('writes the unstable room type, field and privacy event types', async () => {
    const server = await startTestServer({ MSC_IDENTIFIERS: 'unstable', PROFILE_DEFAULT_VISIBILITY: 'public' });
    try {
      const alice = await TestClient.register(server.baseUrl);
      const roomId = await alice.profileRoomId();
      await alice.ok('PUT', `/profile/${enc(alice.userId)}/displayname`, { displayname: 'Unstable Alice' });
      const state = await alice.state(roomId);
      expect(state.find((e) => e.type === 'm.room.create')!.content.type).toBe('org.matrix.msc1769.profile');
      expect(state.find((e) => e.type === 'org.matrix.msc4201.profile.privacy')!.content).toEqual({ visibility: 'public' });
      expect(state.find((e) => e.type === 'org.matrix.msc4201.profile' && e.state_key === 'displayname')!.content).toEqual({
        value: 'Unstable Alice',
      });
      expect(state.some((e) => e.type === 'm.profile')).toBe(false);
      expect((await request(server.baseUrl, 'GET', `/profile/${enc(alice.userId)}`)).body.displayname).toBe('Unstable Alice');
    } finally {
      await server.close();
    }
  });
});
