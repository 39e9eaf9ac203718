import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawConnection } from './support/raw-http.js';
import { spawnServer, type ServerProcess } from './support/server-process.js';

/** The lines a process printed, without blank ones. */
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('the server process', () => {
  const started: ServerProcess[] = [];
  const start = (env: Record<string, string> = {}) => {
    const server = spawnServer(env);
    started.push(server);
    return server;
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.cleanup()));
  });

  describe('refuses to start in one line that names the problem', () => {
    it('when HOST does not resolve', async () => {
      const server = start({ HOST: 'no-such-host.invalid' });
      expect((await server.exited).code).toBe(1);
      expect(lines(server.stderr())).toEqual([expect.stringContaining('HOST=no-such-host.invalid')]);
    });

    it('when PORT is in use', async () => {
      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const port = (taken.address() as { port: number }).port;
        const server = start({ PORT: String(port) });
        expect((await server.exited).code).toBe(1);
        expect(lines(server.stderr())).toEqual([expect.stringContaining(`PORT=${port} is already in use`)]);
      } finally {
        taken.close();
      }
    });

    it('when DATABASE_PATH is a directory, at once rather than after retrying', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'presence-rooms-not-a-file-'));
      try {
        const server = start({ DATABASE_PATH: dir });
        expect((await server.exited).code).toBe(1);
        expect(lines(server.stderr())).toEqual([expect.stringMatching(new RegExp(`DATABASE_PATH=${dir}: it is a directory`))]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('logs its modes in one start-up line instead of every route', async () => {
    const server = start({ LOG_LEVEL: 'log', PRESENCE_POLICY: 'legacy', LEGACY_PRESENCE_PUT: 'deprecated' });
    await server.until(/Serving /);
    const output = server.stdout() + server.stderr();
    expect(output).not.toMatch(/RouterExplorer|RoutesResolver|InstanceLoader|Mapped \{/);
    const summary = lines(output).filter((line) => line.includes('Serving '));
    expect(summary).toEqual([expect.stringMatching(/policy legacy; stable identifiers; legacy presence: GET enabled, PUT deprecated/)]);
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('exits on SIGTERM while clients hold connections with unfinished requests', async () => {
    // Deadlines longer than the test, so that only the shutdown can free these connections.
    const server = start({ HTTP_HEADERS_TIMEOUT_MS: '600000', HTTP_REQUEST_TIMEOUT_MS: '600000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '600000' });
    await server.until(/Serving /);
    const baseUrl = /on (http:\/\/[^ ]+) /.exec(server.stdout())![1];
    const halfHeaders = await RawConnection.open(baseUrl);
    halfHeaders.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n');
    const halfBody = await RawConnection.open(baseUrl);
    halfBody.write('POST /_matrix/client/v3/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{');
    const idle = await RawConnection.open(baseUrl);
    idle.write('GET /_matrix/client/versions HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await idle.response()).status).toBe(200);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await Promise.all([halfHeaders.untilClosed(), halfBody.untilClosed(), idle.untilClosed()]);
  });
});
