import { request, TestClient } from './support/client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('the HTTP edge', () => {
  let server: TestServer;
  let alice: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await TestClient.register(server.baseUrl);
  });

  afterAll(() => server.close());

  it('lists spec versions, r0 through v1', async () => {
    const response = await request(server.baseUrl, 'GET', '/_matrix/client/versions');
    expect(response.body.versions).toEqual(expect.arrayContaining(['r0.6.1', 'v1.1']));
    expect(typeof response.body.unstable_features).toBe('object');
  });

  it('serves the same routes under r0', async () => {
    const response = await request(server.baseUrl, 'GET', '/_matrix/client/r0/account/whoami', undefined, { accessToken: alice.accessToken });
    expect(response.body.user_id).toBe(alice.userId);
  });

  it('reports capabilities and the default push rules', async () => {
    const capabilities = await alice.ok('GET', '/capabilities');
    expect(capabilities.capabilities['m.room_versions'].default).toBe('10');
    const rules = await alice.ok('GET', '/pushrules/');
    expect(rules.global.override.map((rule: any) => rule.rule_id)).toContain('.m.rule.master');
    expect(rules.global.underride.map((rule: any) => rule.rule_id)).toContain('.m.rule.message');
  });

  it('answers an unknown endpoint with 404 M_UNRECOGNIZED', async () => {
    const response = await alice.request('GET', '/no/such/endpoint');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errcode: 'M_UNRECOGNIZED', error: expect.any(String) });
  });

  it('answers a known path with the wrong method with 405 M_UNRECOGNIZED', async () => {
    const response = await alice.request('DELETE', '/account/whoami');
    expect(response.status).toBe(405);
    expect(response.body.errcode).toBe('M_UNRECOGNIZED');
    const withParams = await alice.request('POST', `/rooms/${encodeURIComponent('!a:localhost')}/state`, {});
    expect(withParams.status).toBe(405);
  });

  it('answers CORS preflight requests', async () => {
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/sync`, { method: 'OPTIONS' });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('parses a JSON body sent without a content type', async () => {
    const response = await fetch(`${server.baseUrl}/_matrix/client/v3/createRoom`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${alice.accessToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: JSON.stringify({ name: 'curl style' }),
    });
    expect(response.status).toBe(200);
  });

  it('refuses a body over the request limit with 413 M_TOO_LARGE', async () => {
    const response = await alice.request('POST', '/createRoom', undefined, { rawBody: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(response.status).toBe(413);
    expect(response.body.errcode).toBe('M_TOO_LARGE');
  });

  it('refuses prototype-poisoning JSON as not JSON', async () => {
    const response = await alice.request('POST', '/createRoom', undefined, { rawBody: '{"__proto__": {"admin": true}}' });
    expect(response.status).toBe(400);
    expect(response.body.errcode).toBe('M_NOT_JSON');
  });

  it('accepts an empty body where no field is required', async () => {
    const response = await alice.request('POST', '/createRoom', undefined, { rawBody: '' });
    expect(response.status).toBe(200);
  });
});
