import { Injectable } from '@nestjs/common';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { EventStore } from '../events/event-store.service.js';
import type { SqlExecutor } from '../database/sql-statements.js';
import type { RoomWriteTransaction } from '../events/room-write-transaction.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { publicationEvents } from './core/presence-rules.js';
import { presenceEventContent, statusEventContent } from './presence-events.js';
import { upsertValues, UPSERT_PRESENCE_STATE } from './presence-state.mapper.js';
import type { Publication } from './presence-engine.js';
import type { TrackedPresence } from './tracked-presence.js';

/**
 * Writes what the presence engine decided: m.presence / m.status events in profile rooms and the
 * users' input rows (presence_state), in shared transactions. Whatever is asked for before a
 * write starts joins it, so under load many users' changes share one commit.
 *
 * A row is written in the same transaction as its user's events, with the inputs as they stand
 * then, so the stored inputs are never older than what the profile room shows: a restart
 * re-evaluates from them and cannot publish an older state over a newer one. Inputs no one is
 * waiting for (device liveness) wait in `changed` for the next `write` that names them.
 */
@Injectable()
export class PresenceWriter {
  /** Users whose inputs changed since their row was last written. */
  private readonly changed = new Set<TrackedPresence>();
  /** What waits for the next write, and that write once it is asked for. */
  private queued: Array<{ publication: Publication; roomId: string }> = [];
  private queuedRows = new Set<TrackedPresence>();
  private nextWrite: Promise<void> | null = null;
  /** Set in a cluster: throws in a write made by a process that no longer owns presence. */
  private fence: ((sql: SqlExecutor) => Promise<void>) | null = null;

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

  /** Rows left unwritten by a process that no longer owns presence: the new owner read the store, and they would be fenced. */
  dropPending(): void {
    this.changed.clear();
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
    if (!this.nextWrite) {
      // Started once the requests read in this turn of the event loop have queued theirs too.
      const write = new Promise((resolve) => setImmediate(resolve)).then(() => this.writeQueued());
      // A write that fails before taking its batch must not hold back the writes after it.
      write.catch(() => {
        if (this.nextWrite === write) this.nextWrite = null;
      });
      this.nextWrite = write;
    }
    await this.nextWrite;
  }

  /** Resolves once every write asked for so far has committed or failed. */
  settled(): Promise<void> {
    return this.store.idle();
  }

  private async writeQueued(): Promise<void> {
    let rows: TrackedPresence[] = [];
    try {
      await this.store.write(async (tx) => {
        // The batch is taken once the transaction has begun, so requests that came meanwhile join it.
        const batch = this.queued;
        rows = [...this.queuedRows];
        this.queued = [];
        this.queuedRows = new Set();
        this.nextWrite = null;
        await this.fence?.(tx.sql);
        for (const { publication, roomId } of batch) await this.writePublication(tx, roomId, publication);
        // The values are taken now: inputs that change after this mark the user changed again.
        for (const tracked of rows) {
          this.changed.delete(tracked);
          await tx.sql.run(UPSERT_PRESENCE_STATE, ...upsertValues(tracked));
        }
      });
    } catch (error) {
      for (const tracked of rows) this.changed.add(tracked);
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
