import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { SqlStatements } from '../database/sql-statements.js';
import { RoomAliasEntity } from '../rooms/room-alias.entity.js';
import { RoomEntity } from '../rooms/room.entity.js';
import { EVENT_COLUMNS, membershipOf, toEventEntity, toMembershipEntity, type EventRow, type MembershipRow } from './event-rows.js';
import { EventEntity } from './event.entity.js';
import { Membership, RoomMembershipEntity } from './room-membership.entity.js';
import { RoomStateEntity } from './room-state.entity.js';
import { RoomState } from './room-state.js';
import { RoomTails } from './room-tails.js';
import { RoomWriteTransaction } from './room-write-transaction.js';

/** Bounds on the in-memory mirrors of committed rows; past one, that mirror starts again empty. */
const MAX_CACHED_ROOMS = 50_000;
const MAX_CACHED_USERS = 100_000;
/** Enough for a default timeline page (10) and one more, for rooms written lately. */
const TAIL_LENGTH = 20;
const MAX_TAILS = 10_000;

/**
 * The event store: the single writer of rooms and events. Writes are serialised (SQLite has one
 * writer anyway, and serialising keeps stream order equal to commit order); committed events
 * are announced on the domain event bus for /sync and live channels.
 *
 * It mirrors in memory what /sync reads most (rooms' current state, users' memberships and
 * room-mates, each room's newest position, the recent events of rooms written lately): only rows
 * read outside any transaction are kept, since the shared connection would show an open
 * transaction's rows, and each commit brings the mirrors up to date before the next write begins.
 */
@Injectable()
export class EventStore implements OnModuleInit {
  /** The last position handed out, and the last one whose transaction committed. */
  private allocated = 0;
  private committed = 0;
  private readonly roomStates = new Map<string, RoomState>();
  /** Each user's memberships by room. */
  private readonly memberships = new Map<string, Map<string, RoomMembershipEntity>>();
  /** Room-mates per user, kept until any membership changes. */
  private readonly roomMates = new Map<string, Set<string>>();
  /** Each room's newest committed stream position, so a room with nothing new is not read. */
  private readonly newest = new Map<string, number>();
  private readonly tails = new RoomTails(TAIL_LENGTH, MAX_TAILS);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: DatabaseWriter,
    private readonly sql: SqlStatements,
    private readonly bus: DomainEventBus,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const row = await this.dataSource
      .getRepository(EventEntity)
      .createQueryBuilder('e')
      .select('MAX(e.stream_ordering)', 'max')
      .getRawOne<{ max: number | null }>();
    this.allocated = this.committed = Number(row?.max ?? 0);
  }

  /**
   * The stream position of the newest committed event. Readers stop here, so they never see
   * the rows of a transaction still open on the shared connection.
   */
  currentPosition(): number {
    return this.committed;
  }

  allocateStreamOrdering(): number {
    return ++this.allocated;
  }

  /** Resolves once every write transaction begun so far has ended. */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /** Runs `work` in the single write transaction; the events it appends are announced after commit. */
  async write<T>(work: (tx: RoomWriteTransaction) => Promise<T>): Promise<T> {
    const appended: EventEntity[] = [];
    const audience = new Set<string>();
    let tx: RoomWriteTransaction | undefined;
    const result = await this.writer.transaction(
      (manager) => work((tx = new RoomWriteTransaction(manager, this, this.sql, appended, audience, this.clock.now()))),
      (committed) => {
        if (committed) this.settleCommit(tx!, appended);
        // Writes are serialised, so nothing else allocated meanwhile: hand the positions back.
        else this.allocated = this.committed;
      },
    );
    if (appended.length > 0) this.bus.emit('room.events.persisted', { events: appended, audience });
    return result;
  }

  /** Brings the mirrors up to the transaction just committed: its rooms' states are now the committed ones. */
  private settleCommit(tx: RoomWriteTransaction, appended: EventEntity[]): void {
    this.committed = this.allocated;
    for (const [roomId, state] of tx.statesAfter) remember(this.roomStates, roomId, state, MAX_CACHED_ROOMS);
    this.tails.add(appended);
    let membershipChanged = false;
    for (const event of appended) {
      // Positions only grow, so an event just committed is the newest of its room.
      remember(this.newest, event.roomId, event.streamOrdering, MAX_CACHED_ROOMS * 10);
      if (event.type === 'm.room.member' && event.stateKey !== null) {
        this.memberships.get(event.stateKey)?.set(event.roomId, membershipOf(event));
        membershipChanged = true;
      }
    }
    if (membershipChanged) this.roomMates.clear();
  }

  private events() {
    return this.dataSource.getRepository(EventEntity);
  }

  /** Keeps a read in a mirror only when no transaction could have coloured it. */
  private keep<K, V>(mirror: Map<K, V>, key: K, value: V, limit: number): V {
    if (!this.sql.inTransaction) remember(mirror, key, value, limit);
    return value;
  }

  /**
   * The room's committed current state; inside a write transaction it is the database's too,
   * as writes are serialised and the transaction keeps its own writes (`RoomWriteTransaction.state`).
   */
  async currentState(roomId: string): Promise<RoomState> {
    const cached = this.roomStates.get(roomId);
    if (cached) return cached;
    const rows = this.sql.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e INNER JOIN room_state s ON s.stream_ordering = e.stream_ordering WHERE s.room_id = ?`,
      roomId,
    );
    return this.keep(this.roomStates, roomId, new RoomState(rows.map(toEventEntity)), MAX_CACHED_ROOMS);
  }

  /** The room's newest committed stream position (0 without events); read positions beyond it have nothing. */
  private newestIn(roomId: string): number {
    const cached = this.newest.get(roomId);
    if (cached !== undefined) return cached;
    const row = this.sql.get<{ newest: number | null }>('SELECT MAX(stream_ordering) AS newest FROM events WHERE room_id = ?', roomId);
    return this.keep(this.newest, roomId, Number(row?.newest ?? 0), MAX_CACHED_ROOMS * 10);
  }

  /**
   * The events in (after, upTo] of the rooms whose recent tail reaches back far enough, and the
   * other rooms that have events after `after`, left to read from the database.
   */
  private recentEvents(roomIds: string[], after: number, upTo: number): { recent: EventEntity[]; unread: string[] } {
    const recent: EventEntity[] = [];
    const unread: string[] = [];
    for (const roomId of roomIds) {
      const events = this.tails.between(roomId, after, upTo);
      if (events) recent.push(...events);
      else if (this.newestIn(roomId) > after) unread.push(roomId);
    }
    return { recent, unread };
  }

  /**
   * Selected current state of many rooms in one query: the given types (any state key), plus
   * the m.room.member event of `member` when given.
   */
  async currentStateOfRooms(roomIds: string[], types: string[], member?: string): Promise<Map<string, RoomState>> {
    const byRoom = new Map<string, EventEntity[]>(roomIds.map((roomId) => [roomId, []]));
    if (roomIds.length === 0) return new Map();
    const query = this.events()
      .createQueryBuilder('e')
      .innerJoin(RoomStateEntity, 's', 's.stream_ordering = e.stream_ordering')
      .where('s.room_id IN (:...roomIds)', { roomIds });
    if (member) {
      query.andWhere("(s.type IN (:...types) OR (s.type = 'm.room.member' AND s.state_key = :member))", { types, member });
    } else {
      query.andWhere('s.type IN (:...types)', { types });
    }
    for (const event of await query.getMany()) byRoom.get(event.roomId)?.push(event);
    return new Map([...byRoom].map(([roomId, events]) => [roomId, new RoomState(events)]));
  }

  /** The latest state event per (type, state_key) with stream position in (after, before). */
  async stateBetween(roomId: string, after: number, before: number): Promise<EventEntity[]> {
    const recent = this.tails.between(roomId, after, before - 1);
    if (recent) {
      // RoomState keeps the last event per (type, state_key).
      return new RoomState(recent).events().sort(byStreamOrder);
    }
    const rows = this.sql.all<EventRow>(
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

  /** The room's state just before the given stream position. */
  async stateBefore(roomId: string, before: number): Promise<RoomState> {
    return new RoomState(await this.stateBetween(roomId, 0, before));
  }

  /**
   * Room events in stream order within (after, upTo], newest first when `newestFirst`, read in
   * pages until `limit` events pass `accept`. Returns one more than `limit` when there are more.
   */
  async roomEvents(options: {
    roomId: string;
    after: number;
    upTo: number;
    limit: number;
    newestFirst: boolean;
    accept?: (event: EventEntity) => boolean;
  }): Promise<EventEntity[]> {
    const { roomId, limit, newestFirst, accept } = options;
    const found: EventEntity[] = [];
    const recent = this.tails.between(roomId, options.after, options.upTo);
    if (recent) {
      for (const event of newestFirst ? recent.reverse() : recent) {
        if (!accept || accept(event)) found.push(event);
        if (found.length > limit) break;
      }
      return found;
    }
    const page = Math.max(limit + 1, 50);
    let after = options.after;
    let upTo = Math.min(options.upTo, this.newestIn(roomId));
    const sql = `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.room_id = ? AND e.stream_ordering > ? AND e.stream_ordering <= ?
      ORDER BY e.stream_ordering ${newestFirst ? 'DESC' : 'ASC'} LIMIT ?`;
    while (found.length <= limit && after < upTo) {
      const batch = this.sql.all<EventRow>(sql, roomId, after, upTo, page).map(toEventEntity);
      for (const event of batch) {
        if (!accept || accept(event)) found.push(event);
        if (found.length > limit) break;
      }
      if (batch.length < page) break;
      const last = batch[batch.length - 1].streamOrdering;
      if (newestFirst) upTo = last - 1;
      else after = last;
    }
    return found;
  }

  /** Events of the given types (optionally in the given rooms) with position in (after, upTo]. */
  async eventsBetween(options: { types: string[]; roomIds?: string[]; after: number; upTo: number }): Promise<EventEntity[]> {
    const { types, after, upTo } = options;
    if (types.length === 0 || options.roomIds?.length === 0 || after >= upTo) return [];
    if (options.roomIds) {
      const { recent, unread } = this.recentEvents(options.roomIds, after, upTo);
      const matching = recent.filter((event) => types.includes(event.type));
      if (unread.length === 0) return matching.sort(byStreamOrder);
      const older = this.eventsBetweenFromDatabase(types, unread, after, upTo);
      return [...matching, ...older].sort(byStreamOrder);
    }
    return this.eventsBetweenFromDatabase(types, undefined, after, upTo);
  }

  private eventsBetweenFromDatabase(types: string[], roomIds: string[] | undefined, after: number, upTo: number): EventEntity[] {
    const inRooms = roomIds ? `AND e.room_id IN (${SqlStatements.placeholders(roomIds.length)})` : '';
    const rows = this.sql.all<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events e
       WHERE e.type IN (${SqlStatements.placeholders(types.length)}) ${inRooms} AND e.stream_ordering > ? AND e.stream_ordering <= ?
       ORDER BY e.stream_ordering ASC`,
      ...types,
      ...(roomIds ?? []),
      after,
      upTo,
    );
    return rows.map(toEventEntity);
  }

  /** Who sent events of the given types in the given rooms within (after, upTo]: no content is read. */
  async sendersBetween(options: { types: string[]; roomIds: string[]; after: number; upTo: number }): Promise<Array<{ sender: string; roomId: string }>> {
    const { types, after, upTo } = options;
    if (types.length === 0 || after >= upTo) return [];
    const { recent, unread: roomIds } = this.recentEvents(options.roomIds, after, upTo);
    const senders = new Map<string, { sender: string; roomId: string }>();
    for (const event of recent) {
      if (types.includes(event.type)) senders.set(`${event.roomId}\u0000${event.sender}`, { sender: event.sender, roomId: event.roomId });
    }
    if (roomIds.length === 0) return [...senders.values()];
    const rows = this.sql.all<{ sender: string; room_id: string }>(
      `SELECT DISTINCT e.sender, e.room_id FROM events e
       WHERE e.type IN (${SqlStatements.placeholders(types.length)}) AND e.room_id IN (${SqlStatements.placeholders(roomIds.length)})
       AND e.stream_ordering > ? AND e.stream_ordering <= ?`,
      ...types,
      ...roomIds,
      after,
      upTo,
    );
    return [...senders.values(), ...rows.map((row) => ({ sender: row.sender, roomId: row.room_id }))];
  }

  async getEvent(eventId: string): Promise<EventEntity | null> {
    return this.events().findOneBy({ eventId });
  }

  async findByTxn(sender: string, deviceId: string, txnId: string): Promise<EventEntity | null> {
    return this.events().findOneBy({ sender, deviceId, txnId });
  }

  async room(roomId: string): Promise<RoomEntity | null> {
    return this.dataSource.getRepository(RoomEntity).findOneBy({ roomId });
  }

  async resolveAlias(alias: string): Promise<string | null> {
    const row = await this.dataSource.getRepository(RoomAliasEntity).findOneBy({ alias });
    return row?.roomId ?? null;
  }

  async membershipsOf(userId: string, memberships?: Membership[]): Promise<RoomMembershipEntity[]> {
    const rows = [...this.membershipsByRoom(userId).values()];
    return memberships ? rows.filter((row) => memberships.includes(row.membership)) : rows;
  }

  private membershipsByRoom(userId: string): Map<string, RoomMembershipEntity> {
    const cached = this.memberships.get(userId);
    if (cached) return cached;
    const rows = this.sql.all<MembershipRow>('SELECT room_id, user_id, membership, stream_ordering FROM room_memberships WHERE user_id = ?', userId);
    return this.keep(this.memberships, userId, new Map(rows.map((row) => [row.room_id, toMembershipEntity(row)])), MAX_CACHED_USERS);
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

  /**
   * Users joined to at least one room that `userId` is joined to (including `userId`). The set is
   * the mirror's own, never changed once made (a membership change drops it): callers only read
   * it, so a /sync does not copy a user's every room-mate.
   */
  async usersSharingRoomWith(userId: string): Promise<ReadonlySet<string>> {
    let mates = this.roomMates.get(userId);
    if (!mates) {
      const rows = this.sql.all<{ user_id: string }>(
        `SELECT DISTINCT other.user_id FROM room_memberships mine INNER JOIN room_memberships other ON other.room_id = mine.room_id
         WHERE mine.user_id = ? AND mine.membership = 'join' AND other.membership = 'join'`,
        userId,
      );
      mates = this.keep(this.roomMates, userId, new Set(rows.map((row) => row.user_id)), MAX_CACHED_USERS);
    }
    return mates;
  }
}

function byStreamOrder(a: EventEntity, b: EventEntity): number {
  return a.streamOrdering - b.streamOrdering;
}

/** Adds to a bounded mirror, emptying it first when full. */
function remember<K, V>(mirror: Map<K, V>, key: K, value: V, limit: number): void {
  if (mirror.size >= limit && !mirror.has(key)) mirror.clear();
  mirror.set(key, value);
}
