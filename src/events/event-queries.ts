import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SqlStatements, type SqlExecutor } from '../database/sql-statements.js';
import { RoomAliasEntity } from '../rooms/room-alias.entity.js';
import { RoomEntity } from '../rooms/room.entity.js';
import { EVENT_COLUMNS, toEventEntity, toMembershipEntity, type EventRow, type MembershipRow } from './event-rows.js';
import { EventEntity } from './event.entity.js';
import { Membership, RoomMembershipEntity } from './room-membership.entity.js';
import { RoomStateEntity } from './room-state.entity.js';

const placeholders = SqlStatements.placeholders;

/**
 * The event store's reads of committed rows, straight from the database and remembering
 * nothing (EventStore puts the mirror in front). The hot ones go through the storage port.
 */
@Injectable()
export class EventQueries {
  constructor(
    private readonly sql: SqlStatements,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The events that make up the room's current state. */
  async currentState(roomId: string): Promise<EventEntity[]> {
    const rows = await this.sql.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e INNER JOIN room_state s ON s.stream_ordering = e.stream_ordering WHERE s.room_id = ?`,
      roomId,
    );
    return rows.map(toEventEntity);
  }

  /** Every event with position in (after, upTo], in stream order, read with `sql` (a transaction's, say). */
  async allBetween(sql: SqlExecutor, after: number, upTo: number): Promise<EventEntity[]> {
    const rows = await sql.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.stream_ordering > ? AND e.stream_ordering <= ? ORDER BY e.stream_ordering ASC`,
      after,
      upTo,
    );
    return rows.map(toEventEntity);
  }

  /** The room's newest stream position, 0 without events. */
  async newestIn(roomId: string): Promise<number> {
    const row = await this.sql.get<{ newest: number | string | null }>('SELECT MAX(stream_ordering) AS newest FROM events WHERE room_id = ?', roomId);
    return Number(row?.newest ?? 0);
  }

  /** The latest state event per (type, state_key) with position in (after, before), in stream order. */
  async stateBetween(roomId: string, after: number, before: number): Promise<EventEntity[]> {
    const rows = await this.sql.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e INNER JOIN (
         SELECT MAX(x.stream_ordering) AS latest FROM events x
         WHERE x.room_id = ? AND x.state_key IS NOT NULL AND x.stream_ordering > ? AND x.stream_ordering < ?
         GROUP BY x.type, x.state_key
       ) latest ON latest.latest = e.stream_ordering
       ORDER BY e.stream_ordering ASC`,
      roomId,
      after,
      before,
    );
    return rows.map(toEventEntity);
  }

  /** Up to `limit` events of the room in (after, upTo], oldest or newest first. */
  async roomEventsPage(roomId: string, after: number, upTo: number, limit: number, newestFirst: boolean): Promise<EventEntity[]> {
    const rows = await this.sql.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.room_id = ? AND e.stream_ordering > ? AND e.stream_ordering <= ?
       ORDER BY e.stream_ordering ${newestFirst ? 'DESC' : 'ASC'} LIMIT ?`,
      roomId,
      after,
      upTo,
      limit,
    );
    return rows.map(toEventEntity);
  }

  /** Events of the given types (in the given rooms, or all) with position in (after, upTo], in stream order. */
  async eventsBetween(types: string[], roomIds: string[] | undefined, after: number, upTo: number): Promise<EventEntity[]> {
    const inRooms = roomIds ? `AND e.room_id IN (${placeholders(roomIds.length)})` : '';
    const rows = await this.sql.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e
       WHERE e.type IN (${placeholders(types.length)}) ${inRooms} AND e.stream_ordering > ? AND e.stream_ordering <= ?
       ORDER BY e.stream_ordering ASC`,
      ...types,
      ...(roomIds ?? []),
      after,
      upTo,
    );
    return rows.map(toEventEntity);
  }

  /** Who sent events of the given types in the given rooms within (after, upTo], once per room. */
  async sendersBetween(types: string[], roomIds: string[], after: number, upTo: number): Promise<Array<{ sender: string; roomId: string }>> {
    const rows = await this.sql.all<{ sender: string; room_id: string }>(
      `SELECT DISTINCT e.sender, e.room_id FROM events e
       WHERE e.type IN (${placeholders(types.length)}) AND e.room_id IN (${placeholders(roomIds.length)})
       AND e.stream_ordering > ? AND e.stream_ordering <= ?`,
      ...types,
      ...roomIds,
      after,
      upTo,
    );
    return rows.map((row) => ({ sender: row.sender, roomId: row.room_id }));
  }

  /**
   * Selected current state of many rooms in one query: the given types (any state key), plus
   * the m.room.member event of `member` when given.
   */
  async currentStateOfRooms(roomIds: string[], types: string[], member?: string): Promise<EventEntity[]> {
    const query = this.dataSource
      .getRepository(EventEntity)
      .createQueryBuilder('e')
      .innerJoin(RoomStateEntity, 's', 's.stream_ordering = e.stream_ordering')
      .where('s.room_id IN (:...roomIds)', { roomIds });
    if (member) {
      query.andWhere("(s.type IN (:...types) OR (s.type = 'm.room.member' AND s.state_key = :member))", { types, member });
    } else {
      query.andWhere('s.type IN (:...types)', { types });
    }
    return query.getMany();
  }

  /** The user's memberships, one per room. */
  async memberships(userId: string): Promise<RoomMembershipEntity[]> {
    const rows = await this.sql.all<MembershipRow>('SELECT room_id, user_id, membership, stream_ordering FROM room_memberships WHERE user_id = ?', userId);
    return rows.map(toMembershipEntity);
  }

  /** Users joined to at least one room that `userId` is joined to (including `userId`). */
  async roomMates(userId: string): Promise<string[]> {
    const rows = await this.sql.all<{ user_id: string }>(
      `SELECT DISTINCT other.user_id FROM room_memberships mine INNER JOIN room_memberships other ON other.room_id = mine.room_id
       WHERE mine.user_id = ? AND mine.membership = 'join' AND other.membership = 'join'`,
      userId,
    );
    return rows.map((row) => row.user_id);
  }

  getEvent(eventId: string): Promise<EventEntity | null> {
    return this.dataSource.getRepository(EventEntity).findOneBy({ eventId });
  }

  findByTxn(sender: string, deviceId: string, txnId: string): Promise<EventEntity | null> {
    return this.dataSource.getRepository(EventEntity).findOneBy({ sender, deviceId, txnId });
  }

  room(roomId: string): Promise<RoomEntity | null> {
    return this.dataSource.getRepository(RoomEntity).findOneBy({ roomId });
  }

  async resolveAlias(alias: string): Promise<string | null> {
    const row = await this.dataSource.getRepository(RoomAliasEntity).findOneBy({ alias });
    return row?.roomId ?? null;
  }

  async membership(roomId: string, userId: string): Promise<Membership | null> {
    const row = await this.dataSource.getRepository(RoomMembershipEntity).findOneBy({ roomId, userId });
    return row?.membership ?? null;
  }

  /** Whether two users are both joined to at least one room. */
  async sharesJoinedRoom(a: string, b: string): Promise<boolean> {
    const row = await this.dataSource
      .getRepository(RoomMembershipEntity)
      .createQueryBuilder('x')
      .select('x.room_id', 'room_id')
      .innerJoin(RoomMembershipEntity, 'y', 'y.room_id = x.room_id')
      .where('x.user_id = :a AND x.membership = :join', { a, join: 'join' })
      .andWhere('y.user_id = :b AND y.membership = :join', { b })
      .limit(1)
      .getRawOne();
    return row !== undefined && row !== null;
  }
}
