import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { freePort } from '../bench/lib/server.js';
import { RawConnection } from './support/raw-http.js';
import { spawnServer, type ServerProcess } from './support/server-process.js';
import { createTestDatabase, onPostgres, type TestDatabase } from './support/test-database.js';

// Each test starts a server compiled as it loads; on two busy cores that alone can near the
// default 30 s.
jest.setTimeout(120_000);

/** The lines a process printed, without blank ones. */
const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

describe('the server process', () => {
  const started: ServerProcess[] = [];
  const databases: TestDatabase[] = [];
  /** A server process on a fresh test database, unless `env` names another. */
  const start = async (env: Record<string, string> = {}) => {
    const database = await createTestDatabase();
    databases.push(database);
    const server = spawnServer({ ...database.env, ...env });
    started.push(server);
    return server;
  };
  /** A server process whose env names its own database: no test database is made for it. */
  const startBare = (env: Record<string, string>) => {
    const server = spawnServer(env);
    started.push(server);
    return server;
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.cleanup()));
    await Promise.all(databases.splice(0).map((database) => database.drop()));
  });

  describe('refuses to start in one line that names the problem', () => {
    it('when HOST does not resolve', async () => {
      const server = await start({ HOST: 'no-such-host.invalid' });
      expect((await server.exited).code).toBe(1);
      expect(lines(server.stderr())).toEqual([expect.stringContaining('HOST=no-such-host.invalid')]);
    });

    it('when PORT is in use', async () => {
      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      try {
        const port = (taken.address() as { port: number }).port;
        const server = await start({ PORT: String(port) });
        expect((await server.exited).code).toBe(1);
        expect(lines(server.stderr())).toEqual([expect.stringContaining(`PORT=${port} is already in use`)]);
      } finally {
        taken.close();
      }
    });

    it('when DATABASE_PATH is a directory, at once rather than after retrying', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'presence-rooms-not-a-file-'));
      try {
        const server = await start({ DATABASE_PATH: dir, DATABASE_URL: '' });
        expect((await server.exited).code).toBe(1);
        expect(lines(server.stderr())).toEqual([expect.stringMatching(new RegExp(`DATABASE_PATH=${dir}: it is a directory`))]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('with DATABASE_URL, refuses to start in one line naming it, its password hidden', () => {
    it('when it is no PostgreSQL URL', async () => {
      const server = startBare({ DATABASE_URL: 'mysql://app:s3cret@127.0.0.1/rooms' });
      expect((await server.exited).code).toBe(1);
      expect(server.stderr()).toContain('DATABASE_URL="mysql://app:***@127.0.0.1/rooms": must be a PostgreSQL URL');
      expect(server.stderr()).not.toContain('s3cret');
    });

    it('when no server answers there, at once rather than after retrying', async () => {
      const port = await freePort();
      const server = startBare({ DATABASE_URL: `postgres://app:s3cret@127.0.0.1:${port}/rooms` });
      expect((await server.exited).code).toBe(1);
      expect(lines(server.stderr())).toEqual([`Cannot use the database DATABASE_URL=postgres://app:***@127.0.0.1:${port}/rooms: connect ECONNREFUSED 127.0.0.1:${port}`]);
    });

    // These need a PostgreSQL server to say no.
    const onPostgresOnly = onPostgres ? it : it.skip;

    onPostgresOnly('when its database does not exist', async () => {
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = '/no_such_database';
      const server = await start({ DATABASE_URL: url.href });
      expect((await server.exited).code).toBe(1);
      expect(lines(server.stderr())).toEqual([expect.stringMatching(/^Cannot use the database DATABASE_URL=.*\/no_such_database: database "no_such_database" does not exist$/)]);
    });

    onPostgresOnly('when its user is refused', async () => {
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.username = 'no_such_role';
      url.password = 's3cret';
      const server = await start({ DATABASE_URL: url.href });
      expect((await server.exited).code).toBe(1);
      expect(lines(server.stderr())).toEqual([expect.stringMatching(/^Cannot use the database DATABASE_URL=postgres:\/\/no_such_role:\*\*\*@.*: (role "no_such_role" does not exist|password authentication failed.*)$/)]);
    });
  });

  it('logs its modes in one start-up line instead of every route', async () => {
    const server = await start({ LOG_LEVEL: 'log', PRESENCE_POLICY: 'legacy', LEGACY_PRESENCE_PUT: 'deprecated' });
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
    const server = await start({ HTTP_HEADERS_TIMEOUT_MS: '600000', HTTP_REQUEST_TIMEOUT_MS: '600000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '600000' });
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

  it('exits on SIGTERM once a long-poll under way is answered, not after its keep-alive timeout', async () => {
    const server = await start({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '600000' });
    await server.until(/Serving /);
    const baseUrl = /on (http:\/\/[^ ]+) /.exec(server.stdout())![1];
    const { access_token: token } = (await (
      await fetch(`${baseUrl}/_matrix/client/v3/register`, { method: 'POST', body: JSON.stringify({ auth: { type: 'm.login.dummy' }, password: 'pw' }) })
    ).json()) as { access_token: string };
    const sync = await fetch(`${baseUrl}/_matrix/client/v3/sync?timeout=0`, { headers: { authorization: `Bearer ${token}` } });
    const { next_batch: since } = (await sync.json()) as { next_batch: string };
    const polling = await RawConnection.open(baseUrl);
    polling.write(`GET /_matrix/client/v3/sync?timeout=600000&since=${since} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    // Until the server holds the poll (a request's first act makes presence write), without a clock.
    await new Promise((resolve) => setTimeout(resolve, 200));

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // Answered (so it was under way when the shutdown began), then closed.
    expect((await polling.untilClosed())?.status).toBe(200);
  });
});
