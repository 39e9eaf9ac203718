import { randomInt } from 'node:crypto';
import pg from 'pg';
import type { SqlExecutor } from '../database/sql-statements.js';

/** The advisory lock key of the presence owner's lease ("pr" and a number, beside the streams' keys). */
export const PRESENCE_OWNER_LOCK_KEY = 0x7072_0010;
/** The first half of the two-number advisory lock a lease's session also holds, under a token of its own (see `assertHeld`). */
const FENCE_LOCK_CLASS = 0x7072_0011;

/**
 * Whether the session `pid` holds the advisory lock `key` (a one-number key under 2^32 sits in
 * pg_locks as classid 0, objid key, objsubid 1), in this database: the holder's own check.
 */
const HELD_BY = `SELECT 1 AS held FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND classid = 0 AND objid = $1 AND objsubid = 1 AND pid = $2 AND granted`;

export interface LeaseEvents {
  acquired(): void;
  lost(): void;
}

/** A write refused because the lease it was made under has passed to another process. */
export class LeaseLostError extends Error {
  constructor() {
    super('the presence owner lease is no longer held');
    this.name = 'LeaseLostError';
  }
}

/**
 * A lease held as a PostgreSQL session advisory lock on a connection of its own: whoever holds the
 * lock owns. A process that dies (kill -9) closes its connection and PostgreSQL frees the lock at
 * once; the others try for it every quarter of the lease.
 *
 * A holder cut off from PostgreSQL (a partition) must stop before another can take over. It
 * checks every quarter of the lease that its session still holds the lock, with half the lease
 * to answer, and stops owning at once when that fails: within three quarters of the lease. The
 * session asks PostgreSQL's TCP keepalive to drop it after about the lease of silence (a whole
 * number of seconds, at least 2), rather than the system's default hours. What still slips
 * through (a holder paused past that) is refused by `assertHeld`, the fence of every write.
 */
export class OwnerLease {
  private client: pg.Client | null = null;
  private held = false;
  /** The PostgreSQL backend of the lease's session while held. */
  private pid: number | null = null;
  /** The token of the fence lock the session holds beside the lease, while held. */
  private token: number | null = null;
  private checking = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    private readonly key: number,
    private readonly leaseMs: number,
    private readonly events: LeaseEvents,
  ) {}

  get holding(): boolean {
    return this.held;
  }

  /** Tries for the lease now, then every quarter of it; resolves after the first try. */
  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), Math.max(100, Math.floor(this.leaseMs / 4)));
    this.timer.unref();
  }

  /**
   * The fence: throws LeaseLostError unless the lease's session still lives, as seen by `sql` (a
   * write transaction holding the event stream's lock, which a new owner passes through before it
   * loads anything: a write either commits before the takeover reads, or is refused). The session
   * holds, beside the lease, an exclusive lock under a random token of its own: a shared try for
   * it fails while the session (and so its lease) lives and succeeds once PostgreSQL has ended it.
   * One lock-manager call (a scan of pg_locks cost two to five times a trivial query).
   */
  async assertHeld(sql: SqlExecutor): Promise<void> {
    const token = this.token;
    const free = token === null || (await sql.get<{ free: boolean }>('SELECT pg_try_advisory_xact_lock_shared(?::int4, ?::int4) AS free', FENCE_LOCK_CLASS, token))?.free;
    if (!this.held || free) {
      this.drop();
      throw new LeaseLostError();
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      connectionTimeoutMillis: Math.floor(this.leaseMs / 2),
      query_timeout: Math.floor(this.leaseMs / 2),
      keepAlive: true,
    });
    client.on('error', () => this.drop());
    await client.connect();
    const seconds = Math.max(1, Math.ceil(this.leaseMs / 1000));
    const idle = Math.max(1, Math.ceil(seconds / 2));
    // Probed after half the lease of silence, once a second, dropped after about the lease in all.
    await client.query(
      `SET tcp_keepalives_idle = ${idle}; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = ${Math.max(1, seconds - idle + 1)}`,
    );
    return client;
  }

  private async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      this.client ??= await this.connect();
      if (this.held) {
        const { rows } = await this.client.query(HELD_BY, [this.key, this.pid]);
        if (rows.length === 0) this.drop();
      } else {
        const { rows } = await this.client.query<{ ok: boolean; pid: number }>('SELECT pg_try_advisory_lock($1) AS ok, pg_backend_pid() AS pid', [this.key]);
        if (rows[0]?.ok) {
          const token = randomInt(1, 2 ** 31);
          await this.client.query('SELECT pg_advisory_lock($1::int4, $2::int4)', [FENCE_LOCK_CLASS, token]);
          if (this.stopped) return;
          this.held = true;
          this.pid = rows[0].pid;
          this.token = token;
          this.events.acquired();
        }
      }
    } catch {
      this.drop();
    } finally {
      this.checking = false;
    }
  }

  /** The connection failed, or the lock is gone: whatever it held is gone with it. */
  private drop(): void {
    const client = this.client;
    this.client = null;
    client?.end().catch(() => undefined);
    this.pid = null;
    this.token = null;
    if (this.held) {
      this.held = false;
      this.events.lost();
    }
  }

  /** Gives the lease up for now (`lost` follows while held); it is tried for again at the next check. */
  release(): void {
    this.drop();
  }

  /** Gives the lease up (closing the connection frees the lock). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.held = false;
    this.pid = null;
    this.token = null;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
