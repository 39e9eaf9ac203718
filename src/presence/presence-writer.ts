import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { EventStore } from '../events/event-store.service.js';
import type { SqlExecutor } from '../database/sql-statements.js';
import type { RoomWriteTransaction } from '../events/room-write-transaction.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { publicationEvents } from './core/presence-rules.js';
import { presenceEventContent, statusEventContent } from './presence-events.js';
import { upsertStatements } from './presence-state.mapper.js';
import type { Publication } from './presence-engine.js';
import type { TrackedPresence } from './tracked-presence.js';

/** A `write` waiting for its queued items: why they were dropped, if they were. */
interface WriteTicket {
  dropped: Error | null;
}

/** Waits before each retry of a failed write, while those who asked for it wait too. */
const RETRY_DELAYS_MS = [100, 200, 400, 800];
/** Once those are spent, those waiting are told; what failed is tried again this long after, until it commits. */
const RETRY_LATER_MS = 5_000;

/**
 * Writes what the presence engine decided: m.presence / m.status events in profile rooms and the
 * users' input rows (presence_state), in shared transactions. Whatever is asked for before a
 * write starts joins it, so under load many users' changes share one commit.
 *
 * A row is written in the same transaction as its user's events, with the inputs as they stand
 * then, so the stored inputs are never older than what the profile room shows: a restart
 * re-evaluates from them and cannot publish an older state over a newer one. Inputs no one is
 * waiting for (device liveness) wait in `changed` for the next `write` that names them.
 *
 * The engine counts a publication as made once it hands it over, so a batch whose transaction
 * fails goes back to the head of the queue and is written again (writes run one after the other,
 * so it keeps its place before the publications that came after it) until it commits.
 */
@Injectable()
export class PresenceWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(PresenceWriter.name);
  /** Users whose inputs changed since their row was last written. */
  private readonly changed = new Set<TrackedPresence>();
  /** What waits for the next write, and that write once it is asked for. */
  private queued: Array<{ publication: Publication; roomId: string }> = [];
  private queuedRows = new Set<TrackedPresence>();
  private nextWrite: Promise<void> | null = null;
  /** The last write asked for, retries included; it never rejects. */
  private lastWrite: Promise<void> = Promise.resolve();
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Set in a cluster: throws in a write made by a process that no longer owns presence. */
  private fence: ((sql: SqlExecutor) => Promise<void>) | null = null;
  /** What the fence threw last: such a write is not tried again here (the new owner takes its inputs). */
  private fenced: unknown = null;
  /**
   * One per `write` whose publications or rows wait in the queue (put back with them when their
   * transaction fails): `dropPending` tells each why it was not written.
   */
  private waiting = new Set<WriteTicket>();

  constructor(
    private readonly store: EventStore,
    private readonly profileRooms: ProfileRoomService,
    private readonly ids: MscIdentifiers,
  ) {}

  /** Every write first passes `fence`, inside its transaction: one that throws rolls the write back. */
  fenceWith(fence: (sql: SqlExecutor) => Promise<void>): void {
    this.fence = fence;
  }

  /** The user's inputs changed in memory; their row waits for a write that names them. */
  markChanged(tracked: TrackedPresence): void {
    this.changed.add(tracked);
  }

  /**
   * Drops what is left unwritten by a process that no longer owns presence: the new owner read the
   * store, and it would be fenced. Each `write` still waiting for it rejects with `reason`, never
   * resolves as if written, so its inputs can go to the new owner.
   */
  dropPending(reason: Error): void {
    this.changed.clear();
    this.queued = [];
    this.queuedRows = new Set();
    clearTimeout(this.retryTimer);
    for (const ticket of this.waiting) ticket.dropped = reason;
    this.waiting = new Set();
  }

  /** Users whose rows are behind their inputs. */
  get pending(): ReadonlySet<TrackedPresence> {
    return this.changed;
  }

  /** Writes the publications and the rows of `users`; resolves once they are committed. */
  async write(publications: Publication[], users: Iterable<TrackedPresence>): Promise<void> {
    const rooms = await Promise.all(publications.map(({ userId }) => this.profileRooms.ensureProfileRoom(userId)));
    publications.forEach((publication, index) => this.queued.push({ publication, roomId: rooms[index] }));
    for (const tracked of users) this.queuedRows.add(tracked);
    if (this.queued.length === 0 && this.queuedRows.size === 0) return;
    const ticket: WriteTicket = { dropped: null };
    this.waiting.add(ticket);
    if (!this.nextWrite) {
      // After the write before it has ended, once the requests read in this turn of the event loop
      // have queued theirs too.
      const write = this.lastWrite.then(() => new Promise((resolve) => setImmediate(resolve))).then(() => this.writeWithRetries());
      this.lastWrite = write.catch(() => undefined);
      // A write that fails before taking its batch must not hold back the writes after it.
      write.catch(() => {
        if (this.nextWrite === write) this.nextWrite = null;
      });
      this.nextWrite = write;
    }
    await this.nextWrite;
    if (ticket.dropped) throw ticket.dropped;
  }

  /** Resolves once every write asked for so far has committed or failed. */
  async settled(): Promise<void> {
    await this.lastWrite;
    await this.store.idle();
  }

  /** After the application's own last write: what fails from now on is not tried again. */
  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private async writeWithRetries(): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.writeQueued();
      } catch (error) {
        if (error === this.fenced) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) {
          this.logger.error(`presence write failed ${attempt + 1} times (${reason}); tried again in ${RETRY_LATER_MS} ms`);
          this.retryLater();
          throw error;
        }
        this.logger.warn(`presence write failed (${reason}); tried again in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Writes what is queued later, with no one waiting for it (nor anyone else writing meanwhile). */
  private retryLater(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    // write() logs its failures and schedules the next try.
    this.retryTimer = setTimeout(() => void this.write([], []).catch(() => undefined), RETRY_LATER_MS);
    this.retryTimer.unref();
  }

  private async writeQueued(): Promise<void> {
    if (this.queued.length === 0 && this.queuedRows.size === 0) {
      // An earlier write's retry took what this one was asked for.
      this.nextWrite = null;
      return;
    }
    let batch: typeof this.queued = [];
    let rows: TrackedPresence[] = [];
    let tickets = new Set<WriteTicket>();
    try {
      await this.store.write(async (tx) => {
        // The batch is taken once the transaction has begun, so requests that came meanwhile join it.
        batch = this.queued;
        rows = [...this.queuedRows];
        tickets = this.waiting;
        this.queued = [];
        this.queuedRows = new Set();
        this.waiting = new Set();
        this.nextWrite = null;
        await this.fence?.(tx.sql).catch((error: unknown) => {
          this.fenced = error;
          throw error;
        });
        for (const { publication, roomId } of batch) await this.writePublication(tx, roomId, publication);
        // The values are taken now: inputs that change after this mark the user changed again.
        for (const tracked of rows) this.changed.delete(tracked);
        for (const { sql, values } of upsertStatements(rows)) await tx.sql.run(sql, ...values);
      });
    } catch (error) {
      // Fenced: this process no longer owns presence, and the batch is not its to write.
      if (error === this.fenced) throw error;
      // Back in front: nothing that came after it has been written, as writes run one at a time.
      this.queued = [...batch, ...this.queued];
      for (const ticket of tickets) this.waiting.add(ticket);
      for (const tracked of rows) {
        this.changed.add(tracked);
        this.queuedRows.add(tracked);
      }
      throw error;
    }
  }

  private async writePublication(tx: RoomWriteTransaction, roomId: string, { userId, view, previous, refresh }: Publication): Promise<void> {
    for (const kind of publicationEvents(previous, view, refresh)) {
      const content = kind === 'presence' ? presenceEventContent(view, this.ids) : statusEventContent(view.statusMsg);
      await tx.append({ roomId, type: this.ids.write(kind), stateKey: '', sender: userId, content });
    }
  }
}
