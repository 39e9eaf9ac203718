import { execFileSync } from 'node:child_process';
import { TestClient } from '../support/client.js';
import { TestCluster } from '../support/cluster.js';
import { stalledWebSocket } from '../support/graphql.js';
import { RawConnection } from '../support/raw-http.js';

const enc = encodeURIComponent;

/** The worker processes the primary has forked, by process ID. */
function workersOf(primaryPid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primaryPid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** `WORKERS=N npm start`: N processes on one port (node:cluster), as one server. */
describe('WORKERS=3 on one port', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start(0);
  });

  afterAll(async () => {
    const workers = (cluster?.processes ?? []).flatMap((server) => (server.child.pid ? workersOf(server.child.pid) : []));
    await cluster?.stop();
    for (const pid of workers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone with the primary.
      }
    }
  });

  it('forks three workers that serve as one server, replaces one killed with -9, and stops all on SIGTERM with exit 0', async () => {
    const server = await cluster.spawn({ WORKERS: '3' });
    await until(() => workersOf(server.child.pid!).length === 3);
    const alice = await TestClient.register(server.baseUrl);
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    for (let index = 0; index < 12; index += 1) await alice.send(roomId, { msgtype: 'm.text', body: `message ${index}` });
    const messages = await alice.ok('GET', `/rooms/${enc(roomId)}/messages`, undefined, { query: { dir: 'b', limit: 20 } });
    expect(messages.chunk.filter((event: { type: string }) => event.type === 'm.room.message')).toHaveLength(12);

    const [victim] = workersOf(server.child.pid!);
    process.kill(victim, 'SIGKILL');
    await until(() => {
      const workers = workersOf(server.child.pid!);
      return workers.length === 3 && !workers.includes(victim);
    });
    // A request already on its way to the killed worker fails with its connection: ask again.
    await until(async () => (await fetch(`${server.baseUrl}/health/ready`).catch(() => null))?.status === 200);
    expect((await alice.sync()).rooms.join[roomId]).toBeDefined();

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('closes the shared port at the start of a shutdown, while a worker is still held open by a WebSocket client', async () => {
    // A deadline far longer than the test: the stalled WebSocket holds its worker until the test lets it go.
    const server = await cluster.spawn({ WORKERS: '2', SHUTDOWN_TIMEOUT_MS: '600000' });
    await until(() => workersOf(server.child.pid!).length === 2);
    const alice = await TestClient.register(server.baseUrl);
    const stalled = await stalledWebSocket(server.baseUrl, alice.accessToken);

    server.child.kill('SIGTERM');
    // The primary closes the port once every worker has left it, the held one included.
    for (;;) {
      try {
        (await RawConnection.open(server.baseUrl)).destroy();
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Refused while the primary, waiting for the held worker, still runs.
    expect(server.child.exitCode).toBeNull();

    stalled.terminate();
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
