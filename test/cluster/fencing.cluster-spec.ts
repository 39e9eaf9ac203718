import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { LeaseLostError, OwnerLease, PRESENCE_OWNER_LOCK_KEY } from '../../src/cluster/owner-lease.js';
import type { SqlExecutor } from '../../src/database/sql-statements.js';
import { TestClient } from '../support/client.js';
import { TestCluster } from '../support/cluster.js';

const enc = encodeURIComponent;
const ADMIN = 'fenceadmin';
/** A key of its own, so these leases never meet the cluster's. */
const TEST_KEY = 0x7072_00f0;

async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A TCP relay to PostgreSQL that can go silent: it stops passing bytes either way but keeps both
 * connections open, as a network partition looks to each side.
 */
class Partition {
  private silent = false;
  private readonly sockets: Socket[] = [];
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async open(host: string, port: number): Promise<Partition> {
    let partition: Partition | undefined;
    const server = createServer((client) => {
      const upstream = connect(port, host);
      partition!.sockets.push(client, upstream);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ]) {
        from.on('data', (data) => partition!.silent || to.write(data));
        // Nor does an end cross it: each side goes on waiting for the other.
        from.on('error', () => partition!.silent || to.destroy());
        from.on('close', () => partition!.silent || to.destroy());
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    partition = new Partition(server, (server.address() as { port: number }).port);
    return partition;
  }

  cut(): void {
    this.silent = true;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** `?` statements on one pg client, as the server's storage port runs them. */
function executorOn(client: pg.Client): SqlExecutor {
  const numbered = (sql: string) => {
    let index = 0;
    return sql.replace(/\?/g, () => `$${++index}`);
  };
  return {
    all: async <T>(sql: string, ...parameters: Array<string | number | null>) => (await client.query(numbered(sql), parameters)).rows as T[],
    get: async <T>(sql: string, ...parameters: Array<string | number | null>) => (await client.query(numbered(sql), parameters)).rows[0] as T | undefined,
    run: async (sql: string, ...parameters: Array<string | number | null>) => void (await client.query(numbered(sql), parameters)),
  };
}

describe('the presence owner lease under a partition', () => {
  let cluster: TestCluster;
  let admin: TestClient;
  const closing: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    cluster = await TestCluster.start(3, {
      RATE_LIMIT_PRESENCE_PER_SECOND: '1000',
      RATE_LIMIT_PRESENCE_BURST: '1000',
      PRESENCE_OWNER_LEASE_MS: '1000',
      ADMIN_USERS: `@${ADMIN}:localhost`,
    });
    admin = await TestClient.register(cluster.url(0), ADMIN);
  }, 180_000);

  afterAll(async () => {
    for (const close of closing.reverse()) await close().catch(() => undefined);
    await cluster?.stop();
  });

  const databaseUrl = () => new URL(cluster.database.env.DATABASE_URL);
  /** A relay to the test database that can be cut, and the database's URL through it. */
  const partitioned = async (url: URL) => {
    const partition = await Partition.open(url.hostname, Number(url.port || 5432));
    closing.push(() => partition.close());
    const throughPartition = new URL(url.href);
    throughPartition.hostname = '127.0.0.1';
    throughPartition.port = String(partition.port);
    return { partition, throughPartition: throughPartition.href };
  };
  const leaseHolder = async (key: number) =>
    (
      await cluster.database.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [key],
      )
    )[0]?.pid;

  it('a holder cut off from PostgreSQL stops at its next check; one whose lock was taken over meanwhile has its writes refused', async () => {
    const url = databaseUrl();
    const { partition, throughPartition } = await partitioned(url);

    const events: string[] = [];
    // A long lease: its own checks (every 15 s) come after this test has looked.
    const stale = new OwnerLease(throughPartition, TEST_KEY, 60_000, { acquired: () => events.push('acquired'), lost: () => events.push('lost') });
    closing.push(() => stale.stop());
    await stale.start();
    expect([stale.holding, events]).toEqual([true, ['acquired']]);

    const writer = new pg.Client({ connectionString: url.href });
    await writer.connect();
    closing.push(() => writer.end());
    await writer.query('BEGIN');
    await stale.assertHeld(executorOn(writer));
    await writer.query('COMMIT');

    // PostgreSQL gives up on the silent session (as its keepalive does), and another process takes the lease.
    partition.cut();
    const stalePid = await leaseHolder(TEST_KEY);
    await cluster.database.query('SELECT pg_terminate_backend($1)', [stalePid!]);
    const next = new OwnerLease(url.href, TEST_KEY, 60_000, { acquired: () => events.push('next acquired'), lost: () => undefined });
    closing.push(() => next.stop());
    await next.start();
    expect(next.holding).toBe(true);

    // The stale holder still believes it holds the lease; its write is fenced, and it stops.
    expect(stale.holding).toBe(true);
    await writer.query('BEGIN');
    await expect(stale.assertHeld(executorOn(writer))).rejects.toBeInstanceOf(LeaseLostError);
    await writer.query('ROLLBACK');
    expect(stale.holding).toBe(false);
    expect(events).toEqual(['acquired', 'next acquired', 'lost']);
  });

  it('a holder whose session stops answering stops owning at its next check', async () => {
    const url = databaseUrl();
    const { partition, throughPartition } = await partitioned(url);
    let lost: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (lost = resolve));
    const lease = new OwnerLease(throughPartition, TEST_KEY + 1, 1000, { acquired: () => undefined, lost: () => lost() });
    closing.push(() => lease.stop());
    await lease.start();
    expect(lease.holding).toBe(true);
    partition.cut();
    // Its check every quarter of the lease gets no answer within half of it.
    await stopped;
    expect(lease.holding).toBe(false);
  });

  it('the owner whose lease session is ended stops owning, another takes over, and presence goes on through every process', async () => {
    const as = (client: TestClient, index: number) => new TestClient(cluster.url(index), client.userId, client.accessToken, client.deviceId);
    type Owner = { owner: boolean; owner_since_ts: number | null };
    const owners = () => Promise.all([0, 1, 2].map(async (index) => (await as(admin, index).ok('GET', '/_presence-rooms/admin/presence-owner')) as Owner));
    const before = (await until(owners, (all) => all.filter((one) => one.owner).length === 1)).find((one) => one.owner)!;
    const owner = (await owners()).findIndex((one) => one.owner);
    await cluster.database.query('SELECT pg_terminate_backend($1)', [(await leaseHolder(PRESENCE_OWNER_LOCK_KEY))!]);
    // A takeover (by whichever process tries first, the old owner among them) starts a new ownership.
    const after = await until(owners, (all) => all.some((one) => one.owner && one.owner_since_ts! > before.owner_since_ts!));
    expect(after.filter((one) => one.owner)).toHaveLength(1);

    const carol = await TestClient.register(cluster.url(owner));
    await carol.ok('PUT', `/presence/${enc(carol.userId)}/status`, { presence: 'unavailable', status_msg: 'after the fence' });
    for (const index of [0, 1, 2]) {
      expect(await as(carol, index).ok('GET', `/presence/${enc(carol.userId)}/status`)).toMatchObject({ presence: 'unavailable', status_msg: 'after the fence' });
    }
  });
});
