import { request, TestClient, uniqueName } from './support/client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

describe('accounts', () => {
  let server: TestServer;
  let base: string;

  beforeAll(async () => {
    server = await startTestServer();
    base = server.baseUrl;
  });

  afterAll(() => server.close());

  describe('POST /register', () => {
    it('answers the user-interactive flow when auth is missing', async () => {
      const response = await request(base, 'POST', '/register', { username: uniqueName(), password: 'pw' });
      expect(response.status).toBe(401);
      expect(response.body.flows).toEqual([{ stages: ['m.login.dummy'] }]);
      expect(typeof response.body.session).toBe('string');
    });

    it('registers with m.login.dummy and returns a working token and device', async () => {
      const username = uniqueName();
      const response = await request(base, 'POST', '/register', {
        username,
        password: 'pw',
        auth: { type: 'm.login.dummy' },
      });
      expect(response.status).toBe(200);
      expect(response.body.user_id).toBe(`@${username}:localhost`);
      expect(response.body.device_id).toMatch(/^[A-Z]{10}$/);
      const whoami = await request(base, 'GET', '/account/whoami', undefined, { accessToken: response.body.access_token });
      expect(whoami.body).toEqual({ user_id: `@${username}:localhost`, device_id: response.body.device_id, is_guest: false });
    });

    it('downcases capitals in usernames', async () => {
      const username = uniqueName('Mixed');
      const client = await TestClient.register(base, username);
      expect(client.userId).toBe(`@${username.toLowerCase()}:localhost`);
    });

    it('refuses a taken username with M_USER_IN_USE', async () => {
      const client = await TestClient.register(base);
      const localpart = client.userId.slice(1, client.userId.indexOf(':'));
      const response = await request(base, 'POST', '/register', { username: localpart, password: 'pw', auth: { type: 'm.login.dummy' } });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_USER_IN_USE');
    });

    it.each(['has space', 'bang!', 'ünicode', '_reserved', ''])('refuses the invalid username %j with M_INVALID_USERNAME', async (username) => {
      const response = await request(base, 'POST', '/register', { username, password: 'pw', auth: { type: 'm.login.dummy' } });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_INVALID_USERNAME');
    });

    it('refuses a body that is not JSON with M_NOT_JSON', async () => {
      const response = await request(base, 'POST', '/register', undefined, { rawBody: '{"username": ' });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_NOT_JSON');
    });

    it('refuses a JSON array body with M_BAD_JSON', async () => {
      const response = await request(base, 'POST', '/register', ['x']);
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_BAD_JSON');
    });

    it('refuses wrong field types with M_BAD_JSON', async () => {
      const response = await request(base, 'POST', '/register', { username: 42, password: 'pw', auth: { type: 'm.login.dummy' } });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_BAD_JSON');
    });

    it('refuses a missing password with M_BAD_JSON', async () => {
      const response = await request(base, 'POST', '/register', { username: uniqueName(), auth: { type: 'm.login.dummy' } });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_BAD_JSON');
    });

    it('refuses guest registration', async () => {
      const response = await request(base, 'POST', '/register', {}, { query: { kind: 'guest' } });
      expect(response.status).toBe(403);
      expect(response.body.errcode).toBe('M_GUEST_ACCESS_FORBIDDEN');
    });

    it('registers without logging in when inhibit_login is set', async () => {
      const response = await request(base, 'POST', '/register', {
        username: uniqueName(),
        password: 'pw',
        auth: { type: 'm.login.dummy' },
        inhibit_login: true,
      });
      expect(response.status).toBe(200);
      expect(response.body.access_token).toBeUndefined();
    });
  });

  describe('GET /register/available', () => {
    it('says a free name is available and a taken one is not', async () => {
      const free = await request(base, 'GET', '/register/available', undefined, { query: { username: uniqueName() } });
      expect(free.body).toEqual({ available: true });
      const client = await TestClient.register(base);
      const taken = await request(base, 'GET', '/register/available', undefined, {
        query: { username: client.userId.slice(1, client.userId.indexOf(':')) },
      });
      expect(taken.status).toBe(400);
      expect(taken.body.errcode).toBe('M_USER_IN_USE');
    });

    it('refuses an invalid name', async () => {
      const response = await request(base, 'GET', '/register/available', undefined, { query: { username: 'no way' } });
      expect(response.body.errcode).toBe('M_INVALID_USERNAME');
    });
  });

  describe('login', () => {
    let username: string;

    beforeAll(async () => {
      username = uniqueName();
      await TestClient.register(base, username, 'right-password');
    });

    it('lists the password flow', async () => {
      const response = await request(base, 'GET', '/login');
      expect(response.body.flows).toContainEqual({ type: 'm.login.password' });
    });

    it('logs in with an m.id.user identifier, creating a new device', async () => {
      const response = await request(base, 'POST', '/login', {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: username },
        password: 'right-password',
      });
      expect(response.status).toBe(200);
      expect(response.body.user_id).toBe(`@${username}:localhost`);
      const second = await request(base, 'POST', '/login', {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: `@${username}:localhost` },
        password: 'right-password',
      });
      expect(second.body.device_id).not.toBe(response.body.device_id);
    });

    it('logs in with the old top-level user field', async () => {
      const response = await request(base, 'POST', '/login', { type: 'm.login.password', user: username, password: 'right-password' });
      expect(response.status).toBe(200);
    });

    it('reuses a named device and retires its old token', async () => {
      const login = (deviceId: string) =>
        request(base, 'POST', '/login', { type: 'm.login.password', user: username, password: 'right-password', device_id: deviceId });
      const first = await login('MYDEVICE');
      // Used once first, so the retired token is one the server has cached.
      expect((await request(base, 'GET', '/account/whoami', undefined, { accessToken: first.body.access_token })).status).toBe(200);
      const second = await login('MYDEVICE');
      expect(second.body.device_id).toBe('MYDEVICE');
      const old = await request(base, 'GET', '/account/whoami', undefined, { accessToken: first.body.access_token });
      expect(old.status).toBe(401);
      const current = await request(base, 'GET', '/account/whoami', undefined, { accessToken: second.body.access_token });
      expect(current.body.device_id).toBe('MYDEVICE');
    });

    it('refuses a wrong password or unknown user with 403 M_FORBIDDEN', async () => {
      for (const body of [
        { type: 'm.login.password', user: username, password: 'wrong' },
        { type: 'm.login.password', user: uniqueName('nobody'), password: 'wrong' },
      ]) {
        const response = await request(base, 'POST', '/login', body);
        expect(response.status).toBe(403);
        expect(response.body.errcode).toBe('M_FORBIDDEN');
      }
    });

    it('refuses an unknown login type', async () => {
      const response = await request(base, 'POST', '/login', { type: 'm.login.magic', user: username });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_UNKNOWN');
    });

    it('refuses a login without type with M_BAD_JSON', async () => {
      const response = await request(base, 'POST', '/login', { user: username, password: 'right-password' });
      expect(response.status).toBe(400);
      expect(response.body.errcode).toBe('M_BAD_JSON');
    });
  });

  describe('access tokens', () => {
    it('accepts the token as a query parameter', async () => {
      const client = await TestClient.register(base);
      const response = await request(base, 'GET', '/account/whoami', undefined, { query: { access_token: client.accessToken } });
      expect(response.body.user_id).toBe(client.userId);
    });

    it('answers 401 M_MISSING_TOKEN without a token and M_UNKNOWN_TOKEN with a bad one', async () => {
      const missing = await request(base, 'GET', '/account/whoami');
      expect(missing.status).toBe(401);
      expect(missing.body.errcode).toBe('M_MISSING_TOKEN');
      const unknown = await request(base, 'GET', '/account/whoami', undefined, { accessToken: 'pr_not-a-token' });
      expect(unknown.status).toBe(401);
      expect(unknown.body.errcode).toBe('M_UNKNOWN_TOKEN');
    });

    it('stops accepting a token after logout, leaving other devices logged in', async () => {
      const first = await TestClient.register(base, uniqueName(), 'pw');
      const localpart = first.userId.slice(1, first.userId.indexOf(':'));
      const second = await request(base, 'POST', '/login', { type: 'm.login.password', user: localpart, password: 'pw' });
      await first.ok('POST', '/logout', {});
      expect((await first.request('GET', '/account/whoami')).body.errcode).toBe('M_UNKNOWN_TOKEN');
      const other = await request(base, 'GET', '/account/whoami', undefined, { accessToken: second.body.access_token });
      expect(other.status).toBe(200);
    });

    it('logs out every device with /logout/all', async () => {
      const first = await TestClient.register(base, uniqueName(), 'pw');
      const localpart = first.userId.slice(1, first.userId.indexOf(':'));
      const second = await request(base, 'POST', '/login', { type: 'm.login.password', user: localpart, password: 'pw' });
      await first.ok('POST', '/logout/all');
      const other = await request(base, 'GET', '/account/whoami', undefined, { accessToken: second.body.access_token });
      expect(other.status).toBe(401);
    });
  });
});

describe('closed registration', () => {
  it('refuses to register anyone with 403', async () => {
    const server = await startTestServer({ REGISTRATION: 'closed' });
    try {
      const response = await request(server.baseUrl, 'POST', '/register', {
        username: uniqueName(),
        password: 'pw',
        auth: { type: 'm.login.dummy' },
      });
      expect(response.status).toBe(403);
      expect(response.body.errcode).toBe('M_FORBIDDEN');
    } finally {
      await server.close();
    }
  });
});
