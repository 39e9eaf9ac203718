import { membershipOf } from './event-rows.js';
import type { EventEntity } from './event.entity.js';
import type { RoomMembershipEntity } from './room-membership.entity.js';
import type { RoomState } from './room-state.js';
import { RoomTails } from './room-tails.js';
import type { CommittedWrite } from './room-write-transaction.js';

/** Bounds on the mirrors; past one, that mirror starts again empty. */
export const MIRROR_LIMITS = {
  rooms: 50_000,
  users: 100_000,
  /** Enough for a default timeline page (10) and one more, for rooms written lately. */
  tailLength: 20,
  tails: 10_000,
};

/**
 * What /sync reads most, mirrored in memory as committed: rooms' current state, users'
 * memberships and room-mates, each room's newest position, the recent events of rooms written
 * lately. Each commit brings them up to date (`settle`) before the next write begins:
 *
 * - a room's state and newest position are replaced by the commit's;
 * - a user's memberships take the commit's membership events;
 * - every room-mate set is dropped when any membership changes;
 * - tails take the commit's events (they learn only from commits).
 *
 * A read from the database is kept only if nothing newer can have reached the mirror meanwhile:
 * no commit that changes what it read settled while it ran (else it may be older than what that
 * commit put there), and, where reads share the connection of an open transaction, no write
 * transaction was open when it began (else it may hold rows that roll back).
 */
export class CommittedMirror {
  private readonly roomStates = new Map<string, RoomState>();
  /** Each user's memberships by room. */
  private readonly memberships = new Map<string, Map<string, RoomMembershipEntity>>();
  private readonly roomMates = new Map<string, ReadonlySet<string>>();
  private readonly newest = new Map<string, number>();
  private readonly tails: RoomTails;
  /**
   * Commits and rollbacks settled so far that changed rooms (state, newest positions), and those
   * that changed memberships (memberships, room-mates), and write transactions open now. A read
   * races only the commits that change what it reads: a presence commit does not stop a
   * room-mates read from being kept.
   */
  private readonly generations = { rooms: 0, memberships: 0 };
  private writing = 0;

  constructor(
    private readonly readsSeeOpenTransactions: boolean,
    private readonly limits = MIRROR_LIMITS,
  ) {
    this.tails = new RoomTails(limits.tailLength, limits.tails);
  }

  /** A write transaction began: until it settles, what it writes may be visible to reads. */
  beginWrite(): void {
    this.writing += 1;
  }

  /** The transaction that began last ended: committed with what it wrote, or rolled back (null). */
  settle(committed: CommittedWrite | null): void {
    this.writing -= 1;
    if (!committed) {
      // What a rolled-back transaction let reads see is unknown.
      this.generations.rooms += 1;
      this.generations.memberships += 1;
      return;
    }
    if (committed.events.length > 0 || committed.states.size > 0) this.generations.rooms += 1;
    for (const [roomId, state] of committed.states) remember(this.roomStates, roomId, state, this.limits.rooms);
    this.tails.add(committed.events);
    let membershipChanged = false;
    for (const event of committed.events) {
      // Positions only grow, so an event just committed is the newest of its room.
      remember(this.newest, event.roomId, event.streamOrdering, this.limits.rooms * 10);
      if (event.type === 'm.room.member' && event.stateKey !== null) {
        this.memberships.get(event.stateKey)?.set(event.roomId, membershipOf(event));
        membershipChanged = true;
      }
    }
    if (membershipChanged) this.membershipsChanged();
  }

  private membershipsChanged(): void {
    this.generations.memberships += 1;
    this.roomMates.clear();
  }

  /**
   * Learns events another process committed (read back from the database, in stream order, none
   * missed): a room state held takes its state events, as a commit's would; memberships, room-mates
   * and tails as in `settle`.
   */
  learn(events: readonly EventEntity[]): void {
    if (events.length > 0) this.generations.rooms += 1;
    this.tails.add(events);
    let membershipChanged = false;
    for (const event of events) {
      remember(this.newest, event.roomId, event.streamOrdering, this.limits.rooms * 10);
      if (event.stateKey === null) continue;
      const state = this.roomStates.get(event.roomId);
      if (state) this.roomStates.set(event.roomId, state.with(event));
      if (event.type === 'm.room.member') {
        this.memberships.get(event.stateKey)?.set(event.roomId, membershipOf(event));
        membershipChanged = true;
      }
    }
    if (membershipChanged) this.membershipsChanged();
  }

  roomState(roomId: string, load: () => Promise<RoomState>): Promise<RoomState> {
    return this.through('rooms', this.roomStates, roomId, this.limits.rooms, load);
  }

  /** The room's newest committed position. */
  newestIn(roomId: string, load: () => Promise<number>): Promise<number> {
    return this.through('rooms', this.newest, roomId, this.limits.rooms * 10, load);
  }

  /** The user's memberships by room; the map is the mirror's own, for reading only. */
  membershipsOf(userId: string, load: () => Promise<RoomMembershipEntity[]>): Promise<ReadonlyMap<string, RoomMembershipEntity>> {
    return this.through('memberships', this.memberships, userId, this.limits.users, async () => new Map((await load()).map((row) => [row.roomId, row])));
  }

  /** The users sharing a joined room with the user; the set is the mirror's own, never changed once made. */
  roomMatesOf(userId: string, load: () => Promise<string[]>): Promise<ReadonlySet<string>> {
    return this.through('memberships', this.roomMates, userId, this.limits.users, async () => new Set(await load()));
  }

  /** The room's committed events in (after, upTo], oldest first; null when the tail does not reach back to `after`. */
  recent(roomId: string, after: number, upTo: number): EventEntity[] | null {
    return this.tails.between(roomId, after, upTo);
  }

  private through<K, V>(kind: keyof CommittedMirror['generations'], mirror: Map<K, V>, key: K, limit: number, load: () => Promise<V>): Promise<V> {
    const cached = mirror.get(key);
    // Most reads end here: no async frame for them.
    return cached !== undefined ? Promise.resolve(cached) : this.loadInto(kind, mirror, key, limit, load);
  }

  private async loadInto<K, V>(kind: keyof CommittedMirror['generations'], mirror: Map<K, V>, key: K, limit: number, load: () => Promise<V>): Promise<V> {
    const generation = this.generations[kind];
    const clean = !(this.readsSeeOpenTransactions && this.writing > 0);
    const value = await load();
    if (clean && generation === this.generations[kind]) remember(mirror, key, value, limit);
    return value;
  }
}

/** Adds to a bounded mirror, emptying it first when full. */
function remember<K, V>(mirror: Map<K, V>, key: K, value: V, limit: number): void {
  if (mirror.size >= limit && !mirror.has(key)) mirror.clear();
  mirror.set(key, value);
}
