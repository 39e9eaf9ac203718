import type { EntityManager } from 'typeorm';
import { MatrixError } from '../common/matrix-error.js';
import { newEventId } from '../common/matrix-ids.js';
import type { SqlStatements } from '../database/sql-statements.js';
import { RoomAliasEntity } from '../rooms/room-alias.entity.js';
import { RoomEntity } from '../rooms/room.entity.js';
import { toClientEvent } from './client-event.js';
import { eventRowValues, INSERT_EVENT, membershipOf, UPSERT_MEMBERSHIP, UPSERT_ROOM_STATE } from './event-rows.js';
import type { EventStore } from './event-store.service.js';
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

/**
 * One write transaction: reads see its own writes, appended events get the next stream
 * positions, and the room's current state and memberships are kept in step.
 */
export class RoomWriteTransaction {
  private readonly states = new Map<string, RoomState>();

  constructor(
    readonly manager: EntityManager,
    private readonly store: EventStore,
    private readonly sql: SqlStatements,
    private readonly appended: EventEntity[],
    private readonly audience: Set<string>,
    readonly now: number,
  ) {}

  async state(roomId: string): Promise<RoomState> {
    let state = this.states.get(roomId);
    if (!state) {
      state = await this.store.currentState(roomId);
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

    // Prepared SQL on the shared connection runs inside this transaction, like the manager's queries.
    this.sql.run(INSERT_EVENT, ...eventRowValues(event));
    if (event.stateKey !== null) {
      this.sql.run(UPSERT_ROOM_STATE, event.roomId, event.type, event.stateKey, event.streamOrdering);
      if (event.type === 'm.room.member') {
        const membership = membershipOf(event);
        this.sql.run(UPSERT_MEMBERSHIP, membership.roomId, membership.userId, membership.membership, membership.streamOrdering);
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

  /** The state of every room this transaction read or wrote, as it stands with its writes. */
  get statesAfter(): ReadonlyMap<string, RoomState> {
    return this.states;
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
