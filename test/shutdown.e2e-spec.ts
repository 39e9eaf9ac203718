import { TestClient } from './support/client.js';
import { compiledServerPerTest } from './support/compiled-server.js';
import { stalledWebSocket, Subscription, wsClient } from './support/graphql.js';
import { RawConnection } from './support/raw-http.js';

const enc = encodeURIComponent;

/**
 * Stopping the process on SIGTERM / SIGINT: what is under way is answered as usual, live
 * connections are told, and the process exits 0 — also when clients would keep it waiting.
 */
describe('graceful shutdown', () => {
  const start = compiledServerPerTest();

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal}: ends a long-poll with its empty answer, closes WebSockets with 1001, keeps what was acknowledged, exits 0`, async () => {
      const server = await start();
      const alice = await TestClient.register(server.baseUrl);
      await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'busy', status_msg: 'before the stop' });
      const { next_batch: since } = await alice.sync();
      let socketClosed!: (code: number) => void;
      const closed = new Promise<number>((resolve) => (socketClosed = resolve));
      const socket = wsClient(server.baseUrl, alice.accessToken, (code) => socketClosed(code));
      const subscription = new Subscription(socket, 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { state } }', { ids: [alice.userId] });
      expect(await subscription.next()).toEqual({ presenceChanged: { state: 'BUSY' } });
      const longPoll = alice.request('GET', '/sync', undefined, { query: { since, timeout: 120_000 } });
      // The long-poll is waiting once the metrics say so.
      for (;;) {
        const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
        if (/^presence_rooms_sync_long_polls_waiting 1$/m.test(metrics)) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }

      server.child.kill(signal);
      const answer = await longPoll;
      expect(answer.status).toBe(200);
      expect(answer.body.next_batch).toEqual(expect.any(String));
      expect(answer.body.rooms?.join ?? {}).toEqual({});
      expect(await closed).toBe(1001);
      expect(await server.exited).toEqual({ code: 0, signal: null });

      const restarted = await start();
      const again = new TestClient(restarted.baseUrl, alice.userId, alice.accessToken, alice.deviceId);
      expect(await again.ok('GET', `/presence/${enc(alice.userId)}/status`)).toMatchObject({ presence: 'busy', status_msg: 'before the stop' });
    });
  }

  it('refuses new connections from the start while it still answers a request under way and serves the connections it has', async () => {
    // A deadline far longer than the test: the stalled WebSocket holds the shutdown open until the test lets it go.
    const server = await start({ SHUTDOWN_TIMEOUT_MS: '600000' });
    const alice = await TestClient.register(server.baseUrl);
    const { next_batch: since } = await alice.sync();
    const stalled = await stalledWebSocket(server.baseUrl, alice.accessToken);
    const kept = await RawConnection.open(server.baseUrl);
    kept.write(
      `GET /_matrix/client/v3/sync?since=${enc(since)}&timeout=120000 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.accessToken}\r\n\r\n`,
    );
    for (;;) {
      const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
      if (/^presence_rooms_sync_long_polls_waiting 1$/m.test(metrics)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    server.child.kill('SIGTERM');
    const longPoll = await kept.response();
    expect(longPoll.status).toBe(200);
    expect(longPoll.body.next_batch).toEqual(expect.any(String));
    // The listener closed before the long-poll was ended: a new connection is refused, though the
    // process still runs, held by the WebSocket client that does not read its close frame.
    await expect(RawConnection.open(server.baseUrl)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(server.child.exitCode).toBeNull();
    // The connection it had is still served, and hears that the server is not ready.
    for (;;) {
      kept.forget();
      kept.write('GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n');
      const ready = await kept.response();
      if (ready.status === 503) {
        expect(ready.body.error).toEqual({ shutdown: { status: 'down', message: 'shutting down' } });
        break;
      }
      expect(ready.status).toBe(200);
    }

    stalled.terminate();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await kept.untilClosed();
  });

  it('does not let unfinished headers or a WebSocket client that stopped reading hold it past SHUTDOWN_TIMEOUT_MS', async () => {
    // Request deadlines far longer than the test: only the shutdown's own deadline can free these.
    const server = await start({
      SHUTDOWN_TIMEOUT_MS: '1000',
      HTTP_HEADERS_TIMEOUT_MS: '600000',
      HTTP_REQUEST_TIMEOUT_MS: '600000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '600000',
    });
    const alice = await TestClient.register(server.baseUrl);
    const stalled = await stalledWebSocket(server.baseUrl, alice.accessToken);
    const halfHeaders = await RawConnection.open(server.baseUrl);
    halfHeaders.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n');

    server.child.kill('SIGTERM');
    // ws would wait 30 s for the stalled client's close frame; the test's own timeout is shorter.
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await halfHeaders.untilClosed();
    stalled.terminate();
  }, 20_000);
});
