import { createServer, connect, type Server, type Socket } from 'node:net';
import { TestClient } from '../support/client.js';
import { TEST_REDIS_URL, TestCluster } from '../support/cluster.js';

const enc = encodeURIComponent;

/** A TCP relay to Redis that can go down: it drops every connection and refuses new ones until it is up again. */
class RedisRelay {
  private down = false;
  private readonly sockets = new Set<Socket>();
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async open(target: URL): Promise<RedisRelay> {
    let relay: RedisRelay | undefined;
    const server = createServer((client) => {
      if (relay!.down) return void client.destroy();
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        relay!.sockets.add(socket);
        socket.on('close', () => relay!.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).on('close', () => client.destroy());
      upstream.pipe(client).on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relay = new RedisRelay(server, (server.address() as { port: number }).port);
    return relay;
  }

  /** Drops every connection through it; new ones are refused while down. */
  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * Redis going away for a few seconds and coming back: the presence owner, whose checks of other
 * processes' heartbeats fail meanwhile, keeps running, and presence goes on through it afterwards.
 */
describe('a Redis outage under the presence owner', () => {
  let cluster: TestCluster;
  let relay: RedisRelay;

  beforeAll(async () => {
    relay = await RedisRelay.open(new URL(TEST_REDIS_URL));
    const redisThroughRelay = new URL(TEST_REDIS_URL);
    redisThroughRelay.hostname = '127.0.0.1';
    redisThroughRelay.port = String(relay.port);
    // The owner checks every second whether the processes with syncs in flight are alive.
    cluster = await TestCluster.start(0, { PRESENCE_OWNER_LEASE_MS: '2000' });
    await cluster.spawn({ REDIS_URL: redisThroughRelay.href });
    await cluster.spawn();
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await relay?.close();
  });

  it('keeps the owner running while its heartbeat checks fail, and presence works once Redis is back', async () => {
    const alice = await TestClient.register(cluster.url(1));
    const bob = await TestClient.register(cluster.url(1));
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await bob.join(roomId);
    const { next_batch: since } = await alice.sync({ timeout: 0 });
    // A sync in flight on the second process: the owner asks Redis whether that process lives.
    const waiting = alice.sync({ since, timeout: 8_000, set_presence: 'online' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    relay.cut();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    relay.restore();
    await waiting;
    const owner = cluster.processes[0];
    expect({ code: owner.child.exitCode, signal: owner.child.signalCode }).toEqual({ code: null, signal: null });
    expect((await fetch(`${cluster.url(0)}/_matrix/client/versions`)).ok).toBe(true);
    // Presence set on the second process goes through the owner again.
    for (;;) {
      const response = await alice.request('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'unavailable', status_msg: 'back' });
      if (response.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await bob.ok('GET', `/presence/${enc(alice.userId)}/status`)).toMatchObject({ presence: 'unavailable', status_msg: 'back' });
  }, 60_000);
});
