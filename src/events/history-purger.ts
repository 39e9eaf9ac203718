import { Injectable } from '@nestjs/common';
import { DomainEventBus } from '../common/event-bus.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { SqlStatements } from '../database/sql-statements.js';
import { HistoryHorizons } from './history-horizons.js';
import { planHistoryPurge } from './history-purge.js';

const placeholders = SqlStatements.placeholders;
/** Positions deleted per statement, well within both databases' parameter limits. */
const DELETE_BATCH = 500;

/** Which history to purge: the kind of room, the event types, and the start of the window kept. */
export interface PurgeScope {
  roomTypes: readonly string[];
  eventTypes: readonly string[];
  cutoffTs: number;
}

/**
 * Deletes superseded history of some event types from some kinds of room (planHistoryPurge says
 * which events). Only superseded state events go, so room_state and room_memberships, which point
 * at current events, never lose their event; the mirrors hold only current state, newest
 * positions and memberships, or tails a reader at or above the horizon reads nothing purged from.
 *
 * Events are immutable and a superseded one stays superseded, so a plan read outside the write
 * lock stays right, and two processes purging the same room delete the same rows: harmless.
 */
@Injectable()
export class HistoryPurger {
  constructor(
    private readonly sql: SqlStatements,
    private readonly writer: DatabaseWriter,
    private readonly horizons: HistoryHorizons,
    private readonly bus: DomainEventBus,
  ) {}

  /** Rooms of the scope holding an event of its types sent before the window that is not current state. */
  async roomsWithHistory(scope: PurgeScope): Promise<string[]> {
    const rows = await this.sql.all<{ room_id: string }>(
      `SELECT DISTINCT e.room_id FROM events e INNER JOIN rooms r ON r.room_id = e.room_id
       WHERE r.room_type IN (${placeholders(scope.roomTypes.length)}) AND e.type IN (${placeholders(scope.eventTypes.length)})
       AND e.origin_server_ts < ? AND NOT EXISTS (
         SELECT 1 FROM room_state s WHERE s.room_id = e.room_id AND s.type = e.type AND s.state_key = e.state_key AND s.stream_ordering = e.stream_ordering)`,
      ...scope.roomTypes,
      ...scope.eventTypes,
      scope.cutoffTs,
    );
    return rows.map((row) => row.room_id);
  }

  /** Purges the room's superseded history before the window; returns how many events went. */
  async purgeRoom(roomId: string, scope: PurgeScope): Promise<number> {
    const rows = await this.sql.all<{ stream_ordering: number | string; type: string; state_key: string | null; origin_server_ts: number | string }>(
      'SELECT stream_ordering, type, state_key, origin_server_ts FROM events WHERE room_id = ? ORDER BY stream_ordering ASC',
      roomId,
    );
    const events = rows.map((row) => ({
      streamOrdering: Number(row.stream_ordering),
      type: row.type,
      stateKey: row.state_key,
      originServerTs: Number(row.origin_server_ts),
    }));
    const { purge, horizon } = planHistoryPurge(events, new Set(scope.eventTypes), scope.cutoffTs);
    if (purge.length === 0) return 0;
    // Readers learn the horizon before anything goes: one that read too early reads again from it.
    // When the other processes could not be told, nothing goes: the next sweep tries again.
    if (!(await this.horizons.announce(roomId, horizon))) return 0;
    await this.writer.transaction(async (manager) => {
      const sql = this.sql.within(manager);
      for (let start = 0; start < purge.length; start += DELETE_BATCH) {
        const batch = purge.slice(start, start + DELETE_BATCH);
        // Current state is never in a plan; the guard keeps it so whatever the plan says.
        await sql.run(
          `DELETE FROM events WHERE stream_ordering IN (${placeholders(batch.length)})
           AND stream_ordering NOT IN (SELECT stream_ordering FROM room_state WHERE room_id = ?)`,
          ...batch,
          roomId,
        );
      }
      await sql.run(
        `INSERT INTO room_history_horizons (room_id, purged_up_to) VALUES (?, ?)
         ON CONFLICT (room_id) DO UPDATE SET purged_up_to = excluded.purged_up_to WHERE room_history_horizons.purged_up_to < excluded.purged_up_to`,
        roomId,
        horizon,
      );
    });
    this.bus.emit('history.purged', { events: purge.length });
    return purge.length;
  }
}
