import { TestClient, request } from './support/client.js';
import { graphql } from './support/graphql.js';
import { spawnServer, type ServerProcess } from './support/server-process.js';

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('the server log', () => {
  const started: ServerProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const server = spawnServer({ LOG_LEVEL: 'log', ...env });
    started.push(server);
    await server.until(/Serving /);
    return { server, baseUrl: /on (http:\/\/[^ "]+) /.exec(server.stdout())![1] };
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.cleanup()));
  });

  it('is one JSON object per line, each request line with its request ID, and never a password or token', async () => {
    const { server, baseUrl } = await start({ LOG_FORMAT: 'json' });
    const password = `pw-${Date.now()}-never-logged`;
    const alice = await TestClient.register(baseUrl, `logged${Date.now()}`, password);
    const login = await request(baseUrl, 'POST', '/login', { type: 'm.login.password', identifier: { type: 'm.id.user', user: alice.userId }, password });
    expect(login.status).toBe(200);
    const wrong = await request(baseUrl, 'POST', '/login', { type: 'm.login.password', identifier: { type: 'm.id.user', user: alice.userId }, password: `${password}-wrong` });
    expect(wrong.status).toBe(403);
    const tokens = [alice.accessToken, login.body.access_token as string];
    expect((await fetch(`${baseUrl}/_matrix/client/v3/account/whoami?access_token=${tokens[0]}`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/_matrix/client/v3/account/whoami`, { headers: { Authorization: `Bearer ${tokens[1]}` } })).status).toBe(200);
    expect((await graphql(baseUrl, tokens[0], '{ me { deviceId } }')).data).toEqual({ me: { deviceId: alice.deviceId } });
    await request(baseUrl, 'GET', '/no/such/endpoint', undefined, { accessToken: tokens[1] });

    server.child.kill('SIGTERM');
    await server.exited;
    const output = server.stdout();
    for (const secret of [password, ...tokens]) expect(output).not.toContain(secret);
    const records = lines(output).map((line) => JSON.parse(line) as Record<string, any>);
    const requests = records.filter((record) => record.msg === 'request completed');
    expect(requests.length).toBeGreaterThanOrEqual(7);
    for (const record of requests) {
      expect(record.reqId).toEqual(expect.any(String));
      expect(record.res.statusCode).toEqual(expect.any(Number));
      expect(record.responseTime).toEqual(expect.any(Number));
    }
    expect(new Set(requests.map((record) => record.reqId)).size).toBe(requests.length);
    const whoami = requests.find((record) => record.req.url.startsWith('/_matrix/client/v3/account/whoami?'));
    expect(whoami?.req).toMatchObject({ method: 'GET', url: '/_matrix/client/v3/account/whoami?access_token=[REDACTED]', route: '/_matrix/client/v3/account/whoami' });
  });

  it('is readable lines by default in development (LOG_FORMAT=pretty)', async () => {
    const { server, baseUrl } = await start({ NODE_ENV: 'development' });
    await fetch(`${baseUrl}/_matrix/client/versions`);
    server.child.kill('SIGTERM');
    await server.exited;
    const output = lines(server.stdout());
    expect(output.some((line) => /INFO: \[req-\d+\] GET \/_matrix\/client\/versions → 200 \([\d.]+ ms\)$/.test(line))).toBe(true);
    for (const line of output) expect(() => JSON.parse(line)).toThrow();
  });
});
