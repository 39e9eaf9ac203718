import type { EntityManager } from 'typeorm';
import { MatrixError } from '../common/matrix-error.js';
import { Mutex } from '../common/mutex.js';
import { newEventId } from '../common/matrix-ids.js';
import type { SqlTransaction } from '../database/sql-statements.js';
import { RoomAliasEntity } from '../rooms/room-alias.entity.js';
import { RoomEntity } from '../rooms/room.entity.js';
import { toClientEvent } from './client-event.js';
import { eventRowValues, INSERT_EVENT, membershipOf, UPSERT_MEMBERSHIP, UPSERT_ROOM_STATE } from './event-rows.js';
import { EventEntity } from './event.entity.js';
import type { RoomState } from './room-state.js';

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

/** Where a transaction reads a room's state as committed before it. */
export interface RoomStateSource {
  currentState(roomId: string): Promise<RoomState>;
}

/** Where a transaction takes its events' stream positions (`TransactionPositions`). */
export interface PositionSource {
  next(): Promise<number>;
}

/** What a committed transaction wrote, for the mirrors and the live channels. */
export interface CommittedWrite {
  /** The appended events, in stream order. */
  readonly events: readonly EventEntity[];
  /** The users each event concerns: the rooms' joined and invited members, and each membership's subject. */
  readonly audience: ReadonlySet<string>;
  /** The state of every room the transaction read or wrote, as it stands with its writes. */
  readonly states: ReadonlyMap<string, RoomState>;
}

/**
 * One write transaction: reads see its own writes, appended events get the next stream
 * positions, and the room's current state and memberships are kept in step.
 */
export class RoomWriteTransaction {
  private readonly states = new Map<string, RoomState>();
  private readonly appended: EventEntity[] = [];
  private readonly audience = new Set<string>();
  private readonly appends = new Mutex();

  constructor(
    /** For the rows of other tables written with the events. */
    readonly manager: EntityManager,
    /** The storage port's statements, run in this transaction. */
    readonly sql: SqlTransaction,
    private readonly positions: PositionSource,
    private readonly committedStates: RoomStateSource,
    readonly now: number,
  ) {}

  async state(roomId: string): Promise<RoomState> {
    let state = this.states.get(roomId);
    if (!state) {
      state = await this.committedStates.currentState(roomId);
      this.states.set(roomId, state);
    }
    return state;
  }

  /** Appends an event; appends asked for at once are made one after another, in the order asked. */
  append(input: NewEvent): Promise<EventEntity> {
    return this.appends.run(() => this.appendNow(input));
  }

  private async appendNow(input: NewEvent): Promise<EventEntity> {
    const state = await this.state(input.roomId);
    const event = new EventEntity();
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
    // Taken last, so an event refused leaves no position unused.
    event.streamOrdering = await this.positions.next();
    await this.sql.run(INSERT_EVENT, ...eventRowValues(event));
    if (event.stateKey !== null) {
      await this.sql.run(UPSERT_ROOM_STATE, event.roomId, event.type, event.stateKey, event.streamOrdering);
      if (event.type === 'm.room.member') {
        const membership = membershipOf(event);
        await this.sql.run(UPSERT_MEMBERSHIP, membership.roomId, membership.userId, membership.membership, membership.streamOrdering);
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

  /** What this transaction wrote; it stands once the transaction has committed. */
  get written(): CommittedWrite {
    return { events: this.appended, audience: this.audience, states: this.states };
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
