import type { SqlExecutor, SqlTransaction } from './sql-statements.js';

/**
 * The lock key of each stream, in one place so no two share one. Advisory lock keys are global
 * to the PostgreSQL database; these spell "pr" and a number.
 */
export const STREAM_LOCK_KEYS = {
  events: 0x7072_0001,
  accountData: 0x7072_0002,
  peeks: 0x7072_0003,
} as const;

/** A stream of positions that rows of some table carry, read by /sync up to a bound. */
export interface StreamDefinition {
  /** The key of the lock its writers take on PostgreSQL (`pg_advisory_xact_lock`), one per stream. */
  readonly lockKey: number;
  /** One row with column `max`: the highest position a row holds (NULL when none). */
  readonly maxSql: string;
}

/**
 * Gap-safe stream positions, however many writers share the database.
 *
 * A reader asks for what lies in (its last position, the highest committed one] and must never
 * skip a row: so a position must not become visible before every lower one has committed or
 * been abandoned. Positions are therefore allocated inside the write transaction: it first takes
 * the stream's transaction-scoped lock, then reads the highest position in the table and counts
 * on from it. The lock is held until commit or rollback, so writers of one stream commit in
 * position order, and a rolled-back transaction's positions are taken again by the next writer:
 * the committed positions have no holes, and the highest committed one bounds a complete prefix.
 *
 * On PostgreSQL the lock is `pg_advisory_xact_lock(lockKey)` and the read runs after it, as its
 * own statement (READ COMMITTED takes a snapshot per statement, so it sees the previous holder's
 * commit). SQLite admits one writer, which is the lock. Within one process DatabaseWriter
 * serialises transactions anyway, so the lock is only ever contended by another process.
 *
 * Synapse instead hands out sequence values freely and has readers stop below the oldest
 * position still in flight; that lets writers overlap but needs every reader to learn of every
 * writer's progress. Writes here are short and already serialised per process, so one lock per
 * stream costs little and keeps readers simple.
 */
export class StreamPositions {
  constructor(readonly stream: StreamDefinition) {}

  /** The highest position committed so far (0 for an empty stream), for a reader's bound at start. */
  async highest(sql: SqlExecutor): Promise<number> {
    const row = await sql.get<{ max: number | string | null }>(this.stream.maxSql);
    return Number(row?.max ?? 0);
  }

  /** The positions of one write transaction; the lock is taken with the first. */
  in(tx: SqlTransaction): TransactionPositions {
    return new TransactionPositions(tx, this);
  }
}

/** Hands out one transaction's positions, in order; they count only if it commits. */
export class TransactionPositions {
  private started: Promise<void> | undefined;
  private last = 0;
  private allocated = false;

  constructor(
    private readonly tx: SqlTransaction,
    private readonly positions: StreamPositions,
  ) {}

  async next(): Promise<number> {
    await this.lock();
    this.allocated = true;
    return ++this.last;
  }

  /**
   * Takes the stream's lock ahead of the first position and returns the highest position committed
   * before it: a writer that must learn what others committed first does so under the same lock
   * and read its positions count on from.
   */
  async lock(): Promise<number> {
    await (this.started ??= this.start());
    return this.last;
  }

  /** The highest position handed out, or null when none was. */
  get highest(): number | null {
    return this.allocated ? this.last : null;
  }

  private async start(): Promise<void> {
    await this.tx.lock(this.positions.stream.lockKey);
    this.last = await this.positions.highest(this.tx);
  }
}
