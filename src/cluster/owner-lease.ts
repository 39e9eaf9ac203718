import pg from 'pg';

/** The advisory lock key of the presence owner's lease ("pr" and a number, beside the streams' keys). */
export const PRESENCE_OWNER_LOCK_KEY = 0x7072_0010;

export interface LeaseEvents {
  acquired(): void;
  lost(): void;
}

/**
 * A lease held as a PostgreSQL session advisory lock on a connection of its own: whoever holds the
 * lock owns. A process that dies (kill -9) closes its connection and PostgreSQL frees the lock at
 * once; the others try for it every quarter of the lease. The holder checks its connection as
 * often, and stops owning as soon as it fails (a connection lost frees the lock too).
 */
export class OwnerLease {
  private client: pg.Client | null = null;
  private held = false;
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

  private async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      if (!this.client) {
        const client = new pg.Client({
          connectionString: this.databaseUrl,
          connectionTimeoutMillis: Math.floor(this.leaseMs / 2),
          query_timeout: Math.floor(this.leaseMs / 2),
          keepAlive: true,
        });
        client.on('error', () => this.drop());
        await client.connect();
        this.client = client;
      }
      if (this.held) {
        await this.client.query('SELECT 1');
      } else {
        const { rows } = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [this.key]);
        if (rows[0]?.ok && !this.stopped) {
          this.held = true;
          this.events.acquired();
        }
      }
    } catch {
      this.drop();
    } finally {
      this.checking = false;
    }
  }

  /** The connection failed: whatever it held is gone with it. */
  private drop(): void {
    const client = this.client;
    this.client = null;
    client?.end().catch(() => undefined);
    if (this.held) {
      this.held = false;
      this.events.lost();
    }
  }

  /** Gives the lease up (closing the connection frees the lock). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.held = false;
    await this.client?.end().catch(() => undefined);
    this.client = null;
  }
}
