import { request, TestClient } from './support/client.js';
import { presenceOf } from './support/presence.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const enc = encodeURIComponent;
const SUNSET = 'Sat, 01 Jan 2028 00:00:00 GMT';
const DEPRECATED_AT = 'Sun, 01 Nov 2026 00:00:00 GMT';
const ALL_SURFACES = (mode: string) => ({
  LEGACY_PRESENCE_GET: mode,
  LEGACY_PRESENCE_PUT: mode,
  LEGACY_SYNC_SET_PRESENCE: mode,
  LEGACY_SYNC_PRESENCE: mode,
});

async function roomMates(server: TestServer): Promise<[TestClient, TestClient]> {
  const [alice, bob] = await Promise.all([TestClient.register(server.baseUrl), TestClient.register(server.baseUrl)]);
  const roomId = await alice.createRoom({ preset: 'public_chat' });
  await bob.join(roomId);
  return [alice, bob];
}

function expectNoDeprecation(headers: Headers): void {
  expect(headers.get('deprecation')).toBeNull();
  expect(headers.get('sunset')).toBeNull();
}

function expectDeprecation(headers: Headers, successor: string): void {
  expect(headers.get('deprecation')).toBe(`@${Date.parse(DEPRECATED_AT) / 1000}`);
  expect(headers.get('sunset')).toBe(SUNSET);
  expect(headers.get('link')).toBe(`<${successor}>; rel="successor-version"`);
}

describe('legacy surfaces: enabled', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...ALL_SURFACES('enabled'), LEGACY_SUNSET: SUNSET });
  });

  afterAll(() => server.close());

  it('serve every surface without deprecation headers', async () => {
    const [alice, bob] = await roomMates(server);
    const put = await alice.request('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online' });
    expect(put.status).toBe(200);
    expectNoDeprecation(put.headers);
    const get = await bob.request('GET', `/presence/${enc(alice.userId)}/status`);
    expect(get.body.presence).toBe('online');
    expectNoDeprecation(get.headers);
    const sync = await bob.request('GET', '/sync', undefined, { query: { set_presence: 'unavailable' } });
    expect(presenceOf(sync.body, alice.userId)).toMatchObject({ presence: 'online' });
    expectNoDeprecation(sync.headers);
  });
});

describe('legacy surfaces: deprecated', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...ALL_SURFACES('deprecated'), LEGACY_SUNSET: SUNSET, LEGACY_DEPRECATION_DATE: DEPRECATED_AT });
  });

  afterAll(() => server.close());

  it('GET still works and says what replaces it', async () => {
    const [alice, bob] = await roomMates(server);
    await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'busy' });
    const response = await bob.request('GET', `/presence/${enc(alice.userId)}/status`);
    expect(response.status).toBe(200);
    expect(response.body.presence).toBe('busy');
    expectDeprecation(response.headers, `/_matrix/client/unstable/org.matrix.msc1769/profile_room/${enc(alice.userId)}`);
  });

  it('PUT still works, and its errors carry the headers too', async () => {
    const alice = await TestClient.register(server.baseUrl);
    const ok = await alice.request('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online' });
    expect(ok.status).toBe(200);
    expectDeprecation(ok.headers, '/graphql');
    const bad = await alice.request('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'nope' });
    expect(bad.status).toBe(400);
    expectDeprecation(bad.headers, '/graphql');
  });

  it('/sync carries the headers when set_presence is used or a presence section is returned', async () => {
    const [alice, bob] = await roomMates(server);
    const withParam = await alice.request('GET', '/sync', undefined, { query: { set_presence: 'online' } });
    expect(withParam.headers.get('deprecation')).toBe(`@${Date.parse(DEPRECATED_AT) / 1000}`);
    expect(withParam.headers.get('link')).toBe(
      '</_matrix/client/unstable/org.matrix.msc3032/presence/activity>; rel="successor-version", </graphql>; rel="successor-version"',
    );
    const { next_batch: since } = withParam.body;
    const quiet = await alice.request('GET', '/sync', undefined, { query: { since } });
    expect(quiet.body.presence).toBeUndefined();
    expectNoDeprecation(quiet.headers);
    await bob.ok('PUT', `/presence/${enc(bob.userId)}/status`, { presence: 'online' });
    const withSection = await alice.request('GET', '/sync', undefined, { query: { since } });
    expect(presenceOf(withSection.body, bob.userId)).toMatchObject({ presence: 'online' });
    expectDeprecation(withSection.headers, '/graphql');
  });

  it('set_presence still has its effect', async () => {
    const [alice, bob] = await roomMates(server);
    const response = await alice.request('GET', '/sync', undefined, { query: { set_presence: 'unavailable' } });
    expect(response.headers.get('link')).toContain('</_matrix/client/unstable/org.matrix.msc3032/presence/activity>; rel="successor-version"');
    expect((await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).presence).toBe('unavailable');
  });
});

describe('legacy surfaces: removed', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ ...ALL_SURFACES('removed'), ADMIN_USERS: '@admin:localhost' });
  });

  afterAll(() => server.close());

  it('answers GET and PUT with 404 M_UNRECOGNIZED and stores nothing', async () => {
    const [alice, bob] = await roomMates(server);
    const put = await alice.request('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'busy' });
    expect(put.status).toBe(404);
    expect(put.body.errcode).toBe('M_UNRECOGNIZED');
    const get = await bob.request('GET', `/presence/${enc(alice.userId)}/status`);
    expect(get.status).toBe(404);
    expect(get.body.errcode).toBe('M_UNRECOGNIZED');
    expectNoDeprecation(get.headers);
  });

  it('ignores set_presence (even an invalid one) and leaves the /sync presence section out', async () => {
    const [alice, bob] = await roomMates(server);
    const sync = await alice.request('GET', '/sync', undefined, { query: { set_presence: 'not-a-state' } });
    expect(sync.status).toBe(200);
    expect(sync.body.presence).toBeUndefined();
    await bob.request('GET', '/sync', undefined, { query: { set_presence: 'online' } });
    expect((await bob.sync()).presence).toBeUndefined();
  });

  it('keeps the new ways of reading presence working', async () => {
    const alice = await TestClient.register(server.baseUrl);
    await alice.ok('POST', '/_matrix/client/unstable/org.matrix.msc3032/presence/activity', { state: 'busy' });
    const roomId = await alice.profileRoomId();
    expect((await alice.ok('GET', `/rooms/${enc(roomId)}/state/m.presence/`)).presence).toBe('busy');
  });

  it('counts every legacy call per surface and user agent, for admins only', async () => {
    const admin = await TestClient.register(server.baseUrl, 'admin');
    const alice = await TestClient.register(server.baseUrl);
    const headers = { 'User-Agent': 'OldClient/1.0' };
    await alice.request('GET', `/presence/${enc(alice.userId)}/status`, undefined, { headers });
    await alice.request('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online' }, { headers });
    await alice.request('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'online' }, { headers });
    await alice.request('GET', '/sync', undefined, { headers, query: { set_presence: 'online' } });
    const report = await admin.ok('GET', '/_presence-rooms/admin/legacy-usage');
    expect(report.surfaces.presence_get.mode).toBe('removed');
    const agent = (surface: string) => report.surfaces[surface].user_agents.find((row: any) => row.user_agent === 'OldClient/1.0');
    expect(agent('presence_get').calls).toBe(1);
    expect(agent('presence_put').calls).toBe(2);
    expect(agent('sync_set_presence').calls).toBe(1);
    const denied = await alice.request('GET', '/_presence-rooms/admin/legacy-usage');
    expect(denied.status).toBe(403);
    expect((await request(server.baseUrl, 'GET', '/_presence-rooms/admin/legacy-usage')).status).toBe(401);
  });
});
