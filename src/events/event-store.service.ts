import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { CLUSTER_LINK, type ClusterLink } from '../cluster/cluster-link.js';
import { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';
import { NextRun } from '../common/next-run.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { SqlStatements, type SqlExecutor } from '../database/sql-statements.js';
import { StreamPositions } from '../database/stream-positions.js';
import type { RoomEntity } from '../rooms/room.entity.js';
import { CommittedMirror } from './committed-mirror.js';
import { EventQueries } from './event-queries.js';
import { EventRanges, type EventsBetweenQuery, type RoomEventsQuery } from './event-ranges.js';
import { EVENT_STREAM } from './event-rows.js';
import type { EventEntity } from './event.entity.js';
import type { Membership, RoomMembershipEntity } from './room-membership.entity.js';
import { RoomState } from './room-state.js';
import { RoomWriteTransaction, type CommittedWrite } from './room-write-transaction.js';

/**
 * The event store: the single writer of rooms and events, and their reader. Writes are
 * serialised (DatabaseWriter) and take their stream positions in the transaction
 * (StreamPositions), so positions commit in order; committed events are announced on the domain
 * event bus for /sync and live channels. Reads go through the mirror of committed state
 * (CommittedMirror) to the database (EventQueries); those of a range of the stream, through
 * EventRanges.
 *
 * With other processes on the database (a cluster link), each commit's newest position is told
 * to them, and this process learns theirs: it reads the events it has not seen from the database
 * in stream order, brings its mirror up to date and announces them on its own bus as if written
 * here. A write first takes the stream's lock and learns what others committed before it, so it
 * never builds on a state this process has not seen.
 */
@Injectable()
export class EventStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventStore.name);
  private stopListening?: () => void;
  /** The catch-ups asked for so far, one after the other. */
  private catchingUp: Promise<void> = Promise.resolve();
  /** The newest position other processes said they committed. */
  private heard = 0;
  /** The position of the newest event committed, by this process or before it started. */
  private committed = 0;
  private readonly positions = new StreamPositions(EVENT_STREAM);
  private readonly mirror: CommittedMirror;
  private readonly ranges: EventRanges;
  /** The newest committed position, from a read that began after the call (`caughtUp`). */
  private readonly highestCommitted = new NextRun(() => this.positions.highest(this.sql));

  constructor(
    private readonly queries: EventQueries,
    private readonly writer: DatabaseWriter,
    private readonly sql: SqlStatements,
    private readonly bus: DomainEventBus,
    private readonly clock: Clock,
    @Inject(CLUSTER_LINK) private readonly link: ClusterLink,
  ) {
    this.mirror = new CommittedMirror(sql.readsSeeOpenTransactions);
    this.ranges = new EventRanges(this.mirror, queries);
  }

  async onModuleInit(): Promise<void> {
    this.committed = await this.positions.highest(this.sql);
    if (!this.link.clustered) return;
    const failed = (error: unknown) => this.logger.error('events not learned', error instanceof Error ? error.stack : String(error));
    const stopEvents = this.link.on('events', (position) => void this.catchUp(Number(position)).catch(failed));
    // Commits told while the link was down may be missed: those waiting hear of them from the database.
    const stopReconnect = this.link.onReconnect(() => void this.caughtUp().catch(failed));
    this.stopListening = () => {
      stopEvents();
      stopReconnect();
    };
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  /**
   * Learns the events other processes committed up to `upTo`, in turn with this process's writes;
   * resolves once they (and those of every catch-up asked for before) have been announced here.
   */
  catchUp(upTo: number): Promise<void> {
    this.heard = Math.max(this.heard, upTo);
    const caughtUp = this.catchingUp.then(async () => {
      if (upTo <= this.committed) return;
      // Up to the newest position heard of by now: a burst of commits is read in one query.
      const learned = await this.writer.exclusive(() => this.learnUpTo(this.sql, this.heard));
      await this.announceLearned(learned);
    });
    this.catchingUp = caughtUp.catch(() => undefined);
    return caughtUp;
  }

  /**
   * In a cluster, first learns everything committed anywhere so far: a read that begins after a
   * write was acknowledged, on whichever process, then sees it (a client sending on one process
   * and reading on another, or a sync token taken from a process further ahead). One indexed
   * MAX, shared by the calls made while the one before it runs; a single process knows every
   * commit already.
   */
  async caughtUp(): Promise<void> {
    if (this.link.clustered) await this.catchUp(await this.highestCommitted.request());
  }

  /** Reads (committed, upTo] from the database into the mirror; `upTo` must have committed. */
  private async learnUpTo(sql: SqlExecutor, upTo: number): Promise<EventEntity[]> {
    if (upTo <= this.committed) return [];
    const events = await this.queries.allBetween(sql, this.committed, upTo);
    this.mirror.learn(events);
    this.committed = upTo;
    return events;
  }

  /**
   * Announces learned events with their audience: their rooms' joined and invited members, and
   * each membership's subject. Never rejects: the events stand, whatever fails in telling of them.
   */
  private async announceLearned(events: readonly EventEntity[]): Promise<void> {
    if (events.length === 0) return;
    try {
      this.bus.emit('room.events.persisted', { events, audience: await this.audienceOf(events), learned: true });
    } catch (error) {
      this.logger.error(`${events.length} events learned but not announced`, error instanceof Error ? error.stack : String(error));
    }
  }

  private async audienceOf(events: readonly EventEntity[]): Promise<Set<string>> {
    const audience = new Set<string>();
    for (const roomId of new Set(events.map((event) => event.roomId))) {
      const state = await this.currentState(roomId);
      for (const member of [...state.members('join'), ...state.members('invite')]) audience.add(member);
    }
    for (const event of events) if (event.type === 'm.room.member' && event.stateKey !== null) audience.add(event.stateKey);
    return audience;
  }

  /**
   * The stream position of the newest committed event. Readers stop here: every position up to
   * it has committed (or was abandoned and taken again), so they never skip one.
   */
  currentPosition(): number {
    return this.committed;
  }

  /** Resolves once every write transaction begun so far has ended. */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /** Runs `work` in the single write transaction; the events it appends are announced after commit. */
  async write<T>(work: (tx: RoomWriteTransaction) => Promise<T>): Promise<T> {
    let tx: RoomWriteTransaction | undefined;
    let written: CommittedWrite | undefined;
    let learned: EventEntity[] = [];
    const result = await this.writer
      .transaction(
        async (manager) => {
          const sql = this.sql.within(manager);
          this.mirror.beginWrite();
          const positions = this.positions.in(sql);
          tx = new RoomWriteTransaction(manager, sql, positions, this, this.clock.now());
          // The lock first: nothing commits on the stream meanwhile, so what is learned is all there is.
          if (this.link.clustered) learned = await this.learnUpTo(sql, await positions.lock());
          return work(tx);
        },
        (committed) => {
          if (!tx) return;
          written = committed ? tx.written : undefined;
          const newest = written?.events.at(-1)?.streamOrdering;
          if (newest !== undefined) this.committed = Math.max(this.committed, newest);
          this.mirror.settle(written ?? null);
        },
      )
      // What others committed stands even when this transaction rolled back.
      .finally(() => this.announceLearned(learned));
    if (written && written.events.length > 0) {
      void this.link.publish('events', String(written.events.at(-1)!.streamOrdering));
      this.bus.emit('room.events.persisted', { events: written.events, audience: written.audience });
    }
    return result;
  }

  /**
   * The room's committed current state; inside a write transaction it is the database's too,
   * as writes are serialised and the transaction keeps its own writes (`RoomWriteTransaction.state`).
   */
  currentState(roomId: string): Promise<RoomState> {
    return this.mirror.roomState(roomId, async () => new RoomState(await this.queries.currentState(roomId)));
  }

  /**
   * Selected current state of many rooms in one query: the given types (any state key), plus
   * the m.room.member event of `member` when given.
   */
  async currentStateOfRooms(roomIds: string[], types: string[], member?: string): Promise<Map<string, RoomState>> {
    if (roomIds.length === 0) return new Map();
    const byRoom = new Map<string, EventEntity[]>(roomIds.map((roomId) => [roomId, []]));
    for (const event of await this.queries.currentStateOfRooms(roomIds, types, member)) byRoom.get(event.roomId)?.push(event);
    return new Map([...byRoom].map(([roomId, events]) => [roomId, new RoomState(events)]));
  }

  /** The latest state event per (type, state_key) with stream position in (after, before). */
  stateBetween(roomId: string, after: number, before: number): Promise<EventEntity[]> {
    return this.ranges.stateBetween(roomId, after, before);
  }

  /** The room's state just before the given stream position. */
  async stateBefore(roomId: string, before: number): Promise<RoomState> {
    return new RoomState(await this.stateBetween(roomId, 0, before));
  }

  /** Room events in (after, upTo] in stream order, up to one more than `limit` (`EventRanges.roomEvents`). */
  roomEvents(options: RoomEventsQuery): Promise<EventEntity[]> {
    return this.ranges.roomEvents(options);
  }

  /** Events of the given types (optionally in the given rooms) with position in (after, upTo]. */
  eventsBetween(options: EventsBetweenQuery): Promise<EventEntity[]> {
    return this.ranges.eventsBetween(options);
  }

  /** Who sent events of the given types in the given rooms within (after, upTo]: no content is read. */
  sendersBetween(options: Required<EventsBetweenQuery>): Promise<Array<{ sender: string; roomId: string }>> {
    return this.ranges.sendersBetween(options);
  }

  getEvent(eventId: string): Promise<EventEntity | null> {
    return this.queries.getEvent(eventId);
  }

  findByTxn(sender: string, deviceId: string, txnId: string): Promise<EventEntity | null> {
    return this.queries.findByTxn(sender, deviceId, txnId);
  }

  room(roomId: string): Promise<RoomEntity | null> {
    return this.queries.room(roomId);
  }

  resolveAlias(alias: string): Promise<string | null> {
    return this.queries.resolveAlias(alias);
  }

  async membershipsOf(userId: string, memberships?: Membership[]): Promise<RoomMembershipEntity[]> {
    const rows = [...(await this.mirror.membershipsOf(userId, () => this.queries.memberships(userId))).values()];
    return memberships ? rows.filter((row) => memberships.includes(row.membership)) : rows;
  }

  membership(roomId: string, userId: string): Promise<Membership | null> {
    return this.queries.membership(roomId, userId);
  }

  /** Whether two users are both joined to at least one room. */
  sharesJoinedRoom(a: string, b: string): Promise<boolean> {
    return this.queries.sharesJoinedRoom(a, b);
  }

  /**
   * Users joined to at least one room that `userId` is joined to (including `userId`). The set is
   * the mirror's own, never changed once made (a membership change drops it): callers only read
   * it, so a /sync does not copy a user's every room-mate.
   */
  usersSharingRoomWith(userId: string): Promise<ReadonlySet<string>> {
    return this.mirror.roomMatesOf(userId, () => this.queries.roomMates(userId));
  }
}
