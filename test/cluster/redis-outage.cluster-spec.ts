import { createServer, connect, type Server, type Socket } from 'node:net';
import { TestClient } from '../support/client.js';
import { TEST_REDIS_URL, TestCluster } from '../support/cluster.js';
import { Subscription, wsFor } from '../support/graphql.js';

const enc = encodeURIComponent;
const PRESENCE_CHANGED = 'subscription($ids: [ID!]!) { presenceChanged(userIds: $ids) { userId state statusMsg } }';
type PresenceItem = { presenceChanged: { userId: string; state: string; statusMsg: string | null } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
 * Redis going away from one process for a while and coming back. The presence owner, whose checks
 * of other processes' heartbeats fail meanwhile, keeps running, and presence goes on through it
 * afterwards; a GraphQL subscription begun meanwhile waits for Redis rather than failing (which
 * ended the process); and what the process missed meanwhile (a logout elsewhere) is read again.
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

  const sockets: Array<{ dispose(): unknown }> = [];

  afterAll(async () => {
    for (const socket of sockets) await socket.dispose();
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

  it('waits with a subscription begun while Redis is away past its retries, and refuses a token revoked meanwhile', async () => {
    const alice = await TestClient.register(cluster.url(1));
    const watcher = await TestClient.register(cluster.url(0));
    const roomId = await alice.createRoom({ preset: 'public_chat' });
    await watcher.join(roomId);
    // Carol's token is known on the cut-off process before the cut, and revoked elsewhere during it.
    const carol = await TestClient.register(cluster.url(1));
    const carolThere = new TestClient(cluster.url(0), carol.userId, carol.accessToken, carol.deviceId);
    await carolThere.ok('GET', '/account/whoami');
    relay.cut();
    const socket = wsFor(watcher);
    sockets.push(socket);
    // Its initial value waits for the subscription, which waits for Redis.
    const subscription = new Subscription<PresenceItem>(socket, PRESENCE_CHANGED, { ids: [alice.userId] });
    await carol.ok('POST', '/logout', {});
    // Past ioredis's 20 reconnection attempts (about 10 s), after which a waiting command would fail.
    await sleep(12_000);
    relay.restore();
    const owner = cluster.processes[0];
    expect({ code: owner.child.exitCode, signal: owner.child.signalCode }).toEqual({ code: null, signal: null });
    expect((await subscription.next()).presenceChanged.userId).toBe(alice.userId);
    // Once the process is back on Redis it has dropped what it kept of tokens: carol's is refused.
    let status = 0;
    for (let tries = 0; tries < 50 && status !== 401; tries += 1) {
      status = (await carolThere.request('GET', '/account/whoami')).status;
      if (status !== 401) await sleep(200);
    }
    expect(status).toBe(401);
    // And the subscription, made while Redis was away, hears what changes now.
    await alice.ok('PUT', `/presence/${enc(alice.userId)}/status`, { presence: 'unavailable', status_msg: 'after the outage' });
    let item = await subscription.next();
    while (item.presenceChanged.statusMsg !== 'after the outage') item = await subscription.next();
    expect(item.presenceChanged).toMatchObject({ userId: alice.userId, state: 'UNAVAILABLE' });
  }, 60_000);
});
