import { request, TestClient } from './support/client.js';
import { RawConnection } from './support/raw-http.js';
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

  describe('answers every refusal with a Matrix error', () => {
    const matrixError = (errcode: string) => ({ errcode, error: expect.any(String) });

    it('refuses bad percent-encoding in a parameter as M_INVALID_PARAM', async () => {
      for (const path of ['/_matrix/client/v3/presence/%ZZ/status', '/_matrix/client/v3/profile/%', '/_matrix/client/v3/profile/%FF']) {
        const response = await request(server.baseUrl, 'GET', path, undefined, { accessToken: alice.accessToken });
        expect({ path, status: response.status, body: response.body }).toEqual({ path, status: 400, body: matrixError('M_INVALID_PARAM') });
      }
    });

    it('answers bad percent-encoding in an unknown path with 404 M_UNRECOGNIZED', async () => {
      const response = await request(server.baseUrl, 'GET', '/_matrix/client/v3/no%ZZsuch/endpoint');
      expect(response.status).toBe(404);
      expect(response.body).toEqual(matrixError('M_UNRECOGNIZED'));
    });

    it('refuses an over-long path parameter with 414 M_TOO_LARGE', async () => {
      const response = await alice.request('GET', `/profile/${encodeURIComponent(`@${'a'.repeat(3000)}:localhost`)}`);
      expect(response.status).toBe(414);
      expect(response.body).toEqual(matrixError('M_TOO_LARGE'));
    });

    it('refuses a malformed HTTP request with 400 M_UNRECOGNIZED', async () => {
      const connection = await RawConnection.open(server.baseUrl);
      connection.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n');
      const response = await connection.untilClosed();
      expect(response?.status).toBe(400);
      expect(response?.body).toEqual(matrixError('M_UNRECOGNIZED'));
    });

    it('refuses oversized headers with 431 M_TOO_LARGE', async () => {
      const connection = await RawConnection.open(server.baseUrl);
      connection.write(`GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      const response = await connection.untilClosed();
      expect(response?.status).toBe(431);
      expect(response?.body).toEqual(matrixError('M_TOO_LARGE'));
    });
  });

  it('closes a WebSocket upgrade on a path other than /graphql, and carries on', async () => {
    const connection = await RawConnection.open(server.baseUrl);
    connection.write(
      'GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect((await connection.untilClosed())?.status).not.toBe(101);
    expect((await request(server.baseUrl, 'GET', '/_matrix/client/versions')).status).toBe(200);
  });

  describe('a body over the limit, written whole before reading', () => {
    // Larger than the kernel's socket buffers, so that the server must read it for the write to finish.
    const oversized = Buffer.alloc(8 * 1024 * 1024, 'a');

    for (const [name, target] of [
      ['/login', 'POST /_matrix/client/v3/login'],
      ['/send', 'PUT /_matrix/client/v3/rooms/!r:localhost/send/m.room.message/t1'],
    ]) {
      it(`gets 413 M_TOO_LARGE, not a reset (${name}, with Content-Length)`, async () => {
        const connection = await RawConnection.open(server.baseUrl);
        await connection.writeAll(
          Buffer.concat([
            Buffer.from(`${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.accessToken}\r\nContent-Length: ${oversized.length}\r\n\r\n`),
            oversized,
          ]),
        );
        const response = await connection.response();
        connection.destroy();
        expect(response.status).toBe(413);
        expect(response.body).toEqual({ errcode: 'M_TOO_LARGE', error: expect.any(String) });
      });
    }

    it('gets 413 M_TOO_LARGE, not a reset (Connection: close)', async () => {
      const connection = await RawConnection.open(server.baseUrl);
      await connection.writeAll(
        Buffer.concat([
          Buffer.from(`POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${oversized.length}\r\n\r\n`),
          oversized,
        ]),
      );
      const response = await connection.untilClosed();
      expect(connection.error).toBeUndefined();
      expect(response?.status).toBe(413);
      expect(response?.body.errcode).toBe('M_TOO_LARGE');
    });

    it('gets 413 M_TOO_LARGE, not a reset (chunked)', async () => {
      const connection = await RawConnection.open(server.baseUrl);
      const chunk = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
      await connection.writeAll(
        Buffer.concat([
          Buffer.from('POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'),
          chunk(oversized),
          Buffer.from('0\r\n\r\n'),
        ]),
      );
      const response = await connection.response();
      connection.destroy();
      expect(response.status).toBe(413);
      expect(response.body.errcode).toBe('M_TOO_LARGE');
    });
  });
});


describe('slow and idle clients', () => {
  let server: TestServer;
  let alice: TestClient;

  beforeAll(async () => {
    // Short deadlines, so that the test waits little; nothing here asserts how long anything took.
    server = await startTestServer({ HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '600', HTTP_KEEP_ALIVE_TIMEOUT_MS: '300' });
    alice = await TestClient.register(server.baseUrl);
  });

  afterAll(() => server.close());

  it('answers unfinished headers with 408 and closes the connection', async () => {
    const connection = await RawConnection.open(server.baseUrl);
    connection.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n');
    const response = await connection.untilClosed();
    expect(response?.status).toBe(408);
    expect(response?.body).toEqual({ errcode: 'M_UNKNOWN', error: expect.any(String) });
  });

  it('answers an unfinished body with 408 and closes the connection', async () => {
    const connection = await RawConnection.open(server.baseUrl);
    connection.write('POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"type":');
    const response = await connection.untilClosed();
    expect(response?.status).toBe(408);
    expect(response?.body).toEqual({ errcode: 'M_UNKNOWN', error: expect.any(String) });
  });

  it('closes an idle keep-alive connection', async () => {
    const connection = await RawConnection.open(server.baseUrl);
    connection.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await connection.response()).status).toBe(200);
    await connection.untilClosed();
    expect(connection.error).toBeUndefined();
  });

  it('lets a long-poll answer after its timeout, longer than the request deadline', async () => {
    const connection = await RawConnection.open(server.baseUrl);
    const { next_batch: since } = await alice.sync();
    connection.write(`GET /_matrix/client/v3/sync?since=${since}&timeout=1500 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.accessToken}\r\n\r\n`);
    const response = await connection.response();
    connection.destroy();
    expect(response.status).toBe(200);
    expect(typeof response.body.next_batch).toBe('string');
  });
});
