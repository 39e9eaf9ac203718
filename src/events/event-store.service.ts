import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';
import { MatrixError } from '../common/matrix-error.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { newEventId } from '../common/matrix-ids.js';
import { RoomAliasEntity } from '../rooms/room-alias.entity.js';
import { RoomEntity } from '../rooms/room.entity.js';
import { toClientEvent } from './client-event.js';
import { EventEntity } from './event.entity.js';
import { Membership, RoomMembershipEntity } from './room-membership.entity.js';
import { RoomStateEntity } from './room-state.entity.js';
import { RoomState } from './room-state.js';

/** The spec's limit on a whole event, in bytes of JSON. */
export const MAX_EVENT_BYTES = 65_536;

export interface NewEvent {
  roomId: string;
  type: string;
  stateKey?: string;
  sender: string;
  content: Record<string, unknown>;
  deviceId?: string;
  txnId?: string;
}

/**
 * One write transaction: reads see its own writes, appended events get the next stream
 * positions, and the room's current state and memberships are kept in step.
 */
export class RoomWriteTransaction {
  private readonly states = new Map<string, RoomState>();

  constructor(
    readonly manager: EntityManager,
    private readonly store: EventStore,
    private readonly appended: EventEntity[],
    private readonly audience: Set<string>,
    readonly now: number,
  ) {}

  async state(roomId: string): Promise<RoomState> {
    let state = this.states.get(roomId);
    if (!state) {
      state = await this.store.currentState(roomId, this.manager);
      this.states.set(roomId, state);
    }
    return state;
  }

  async append(input: NewEvent): Promise<EventEntity> {
    const state = await this.state(input.roomId);
    const event = new EventEntity();
    event.streamOrdering = this.store.allocateStreamOrdering();
    event.eventId = newEventId();
    event.roomId = input.roomId;
    event.type = input.type;
    event.stateKey = input.stateKey ?? null;
    event.sender = input.sender;
    event.content = input.content;
    event.originServerTs = this.now;
    event.deviceId = input.deviceId ?? null;
    event.txnId = input.txnId ?? null;
    event.unsigned = null;
    if (event.stateKey !== null) {
      const previous = state.get(event.type, event.stateKey);
      if (previous) {
        event.unsigned = {
          prev_content: previous.content,
          prev_sender: previous.sender,
          replaces_state: previous.eventId,
        };
      }
    }
    const size = Buffer.byteLength(JSON.stringify(toClientEvent(event, this.now)));
    if (size > MAX_EVENT_BYTES) throw MatrixError.tooLarge(`Event is ${size} bytes; the limit is ${MAX_EVENT_BYTES}`);

    // simple-json columns are typed loosely by TypeORM's insert; the entity is complete here.
    await this.manager.insert(EventEntity, event as never);
    if (event.stateKey !== null) {
      await this.manager.upsert(
        RoomStateEntity,
        { roomId: event.roomId, type: event.type, stateKey: event.stateKey, streamOrdering: event.streamOrdering },
        ['roomId', 'type', 'stateKey'],
      );
      if (event.type === 'm.room.member') {
        await this.manager.upsert(
          RoomMembershipEntity,
          {
            roomId: event.roomId,
            userId: event.stateKey,
            membership: String(event.content.membership) as Membership,
            streamOrdering: event.streamOrdering,
          },
          ['roomId', 'userId'],
        );
        this.audience.add(event.stateKey);
      }
      this.states.set(event.roomId, state.with(event));
    }
    const after = this.states.get(event.roomId) ?? state;
    for (const member of after.members('join')) this.audience.add(member);
    for (const member of after.members('invite')) this.audience.add(member);
    this.appended.push(event);
    return event;
  }

  async insertRoom(room: RoomEntity): Promise<void> {
    await this.manager.insert(RoomEntity, room);
  }

  async insertAlias(alias: string, roomId: string, creator: string): Promise<void> {
    const existing = await this.manager.findOneBy(RoomAliasEntity, { alias });
    if (existing) throw new MatrixError(400, 'M_ROOM_IN_USE', `Room alias ${alias} already taken`);
    await this.manager.insert(RoomAliasEntity, { alias, roomId, creator });
  }
}

/**
 * The event store: the single writer of rooms and events. Writes are serialised (SQLite has one
 * writer anyway, and serialising keeps stream order equal to commit order); committed events
 * are announced on the domain event bus for /sync and live channels.
 */
@Injectable()
export class EventStore implements OnModuleInit {
  /** The last position handed out, and the last one whose transaction committed. */
  private allocated = 0;
  private committed = 0;
  /** Room-mates per user, kept until any membership changes (a cheap, always-correct cache). */
  private readonly roomMates = new Map<string, Promise<Set<string>>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: DatabaseWriter,
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

  /** Runs `work` in the single write transaction; the events it appends are announced after commit. */
  async write<T>(work: (tx: RoomWriteTransaction) => Promise<T>): Promise<T> {
    const appended: EventEntity[] = [];
    const audience = new Set<string>();
    let result: T;
    try {
      result = await this.writer.transaction((manager) =>
        work(new RoomWriteTransaction(manager, this, appended, audience, this.clock.now())),
      );
    } catch (error) {
      // Writes are serialised, so nothing else allocated meanwhile: hand the positions back.
      this.allocated = this.committed;
      throw error;
    }
    this.committed = this.allocated;
    if (appended.some((event) => event.type === 'm.room.member')) this.roomMates.clear();
    if (appended.length > 0) this.bus.emit('room.events.persisted', { events: appended, audience });
    return result;
  }

  private events(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(EventEntity);
  }

  async currentState(roomId: string, manager?: EntityManager): Promise<RoomState> {
    const events = await this.events(manager)
      .createQueryBuilder('e')
      .innerJoin(RoomStateEntity, 's', 's.stream_ordering = e.stream_ordering')
      .where('s.room_id = :roomId', { roomId })
      .getMany();
    return new RoomState(events);
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
    return this.events()
      .createQueryBuilder('e')
      .innerJoin(
        (sub) =>
          sub
            .select('x.type', 'type')
            .addSelect('x.state_key', 'state_key')
            .addSelect('MAX(x.stream_ordering)', 'latest')
            .from(EventEntity, 'x')
            .where('x.room_id = :roomId')
            .andWhere('x.state_key IS NOT NULL')
            .andWhere('x.stream_ordering > :after')
            .andWhere('x.stream_ordering < :before')
            .groupBy('x.type')
            .addGroupBy('x.state_key'),
        'latest',
        'latest.latest = e.stream_ordering',
      )
      .setParameters({ roomId, after, before })
      .orderBy('e.stream_ordering', 'ASC')
      .getMany();
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
    const page = Math.max(limit + 1, 50);
    const found: EventEntity[] = [];
    let after = options.after;
    let upTo = options.upTo;
    while (found.length <= limit && after < upTo) {
      const batch = await this.events()
        .createQueryBuilder('e')
        .where('e.room_id = :roomId', { roomId })
        .andWhere('e.stream_ordering > :after', { after })
        .andWhere('e.stream_ordering <= :upTo', { upTo })
        .orderBy('e.stream_ordering', newestFirst ? 'DESC' : 'ASC')
        .take(page)
        .getMany();
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
    const { types, roomIds, after, upTo } = options;
    if (types.length === 0 || roomIds?.length === 0 || after >= upTo) return [];
    const query = this.events()
      .createQueryBuilder('e')
      .where('e.type IN (:...types)', { types })
      .andWhere('e.stream_ordering > :after', { after })
      .andWhere('e.stream_ordering <= :upTo', { upTo });
    if (roomIds) query.andWhere('e.room_id IN (:...roomIds)', { roomIds });
    return query.orderBy('e.stream_ordering', 'ASC').getMany();
  }

  /** Who sent events of the given types in the given rooms within (after, upTo]: no content is read. */
  async sendersBetween(options: { types: string[]; roomIds: string[]; after: number; upTo: number }): Promise<Array<{ sender: string; roomId: string }>> {
    const { types, roomIds, after, upTo } = options;
    if (types.length === 0 || roomIds.length === 0 || after >= upTo) return [];
    const rows = await this.events()
      .createQueryBuilder('e')
      .select('DISTINCT e.sender', 'sender')
      .addSelect('e.room_id', 'room_id')
      .where('e.type IN (:...types)', { types })
      .andWhere('e.room_id IN (:...roomIds)', { roomIds })
      .andWhere('e.stream_ordering > :after', { after })
      .andWhere('e.stream_ordering <= :upTo', { upTo })
      .getRawMany<{ sender: string; room_id: string }>();
    return rows.map((row) => ({ sender: row.sender, roomId: row.room_id }));
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
    const query = this.dataSource
      .getRepository(RoomMembershipEntity)
      .createQueryBuilder('m')
      .where('m.user_id = :userId', { userId });
    if (memberships) query.andWhere('m.membership IN (:...memberships)', { memberships });
    return query.getMany();
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

  /** Users joined to at least one room that `userId` is joined to (including `userId`). Callers get their own copy. */
  async usersSharingRoomWith(userId: string): Promise<Set<string>> {
    let mates = this.roomMates.get(userId);
    if (!mates) {
      mates = this.loadRoomMates(userId);
      if (this.roomMates.size > 100_000) this.roomMates.clear();
      this.roomMates.set(userId, mates);
      mates.catch(() => this.roomMates.delete(userId));
    }
    return new Set(await mates);
  }

  private async loadRoomMates(userId: string): Promise<Set<string>> {
    const rows = await this.dataSource
      .getRepository(RoomMembershipEntity)
      .createQueryBuilder('other')
      .select('DISTINCT other.user_id', 'user_id')
      .innerJoin(RoomMembershipEntity, 'mine', 'mine.room_id = other.room_id')
      .where('mine.user_id = :userId', { userId })
      .andWhere('mine.membership = :join', { join: 'join' })
      .andWhere('other.membership = :join')
      .getRawMany<{ user_id: string }>();
    return new Set(rows.map((row) => row.user_id));
  }
}
