import { STREAM_LOCK_KEYS, type StreamDefinition } from '../database/stream-positions.js';
import { EventEntity } from './event.entity.js';
import { RoomMembershipEntity, type Membership } from './room-membership.entity.js';

/** The columns of an event read by the store's own SQL, from the `events` table aliased `e`. */
export const EVENT_COLUMNS =
  'e.stream_ordering, e.event_id, e.room_id, e.type, e.state_key, e.sender, e.content, e.unsigned, e.origin_server_ts, e.device_id, e.txn_id';

/** The events' stream: the position every event takes, the first part of a sync token. */
export const EVENT_STREAM: StreamDefinition = {
  lockKey: STREAM_LOCK_KEYS.events,
  maxSql: 'SELECT MAX(stream_ordering) AS max FROM events',
};

export const INSERT_EVENT = `INSERT INTO events
  (stream_ordering, event_id, room_id, type, state_key, sender, content, unsigned, origin_server_ts, device_id, txn_id)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export const UPSERT_ROOM_STATE = `INSERT INTO room_state (room_id, type, state_key, stream_ordering) VALUES (?, ?, ?, ?)
  ON CONFLICT (room_id, type, state_key) DO UPDATE SET stream_ordering = excluded.stream_ordering`;

export const UPSERT_MEMBERSHIP = `INSERT INTO room_memberships (room_id, user_id, membership, stream_ordering) VALUES (?, ?, ?, ?)
  ON CONFLICT (room_id, user_id) DO UPDATE SET membership = excluded.membership, stream_ordering = excluded.stream_ordering`;

/** The values of INSERT_EVENT, stored as TypeORM stores the entity (simple-json as JSON text). */
export function eventRowValues(event: EventEntity): [number, string, string, string, string | null, string, string, string | null, number, string | null, string | null] {
  return [
    event.streamOrdering,
    event.eventId,
    event.roomId,
    event.type,
    event.stateKey,
    event.sender,
    JSON.stringify(event.content),
    event.unsigned === null ? null : JSON.stringify(event.unsigned),
    event.originServerTs,
    event.deviceId,
    event.txnId,
  ];
}

/**
 * An event row as either database returns it: PostgreSQL's driver gives BIGINT as a string, and
 * would give a JSON column already parsed.
 */
export interface EventRow {
  stream_ordering: number | string;
  event_id: string;
  room_id: string;
  type: string;
  state_key: string | null;
  sender: string;
  content: string | Record<string, unknown>;
  unsigned: string | Record<string, unknown> | null;
  origin_server_ts: number | string;
  device_id: string | null;
  txn_id: string | null;
}

/** An event row as TypeORM would map it (simple-json columns parsed, BIGINT as a number). */
export function toEventEntity(row: EventRow): EventEntity {
  return Object.assign(new EventEntity(), {
    streamOrdering: Number(row.stream_ordering),
    eventId: row.event_id,
    roomId: row.room_id,
    type: row.type,
    stateKey: row.state_key,
    sender: row.sender,
    content: fromJson(row.content),
    unsigned: row.unsigned === null ? null : fromJson(row.unsigned),
    originServerTs: Number(row.origin_server_ts),
    deviceId: row.device_id,
    txnId: row.txn_id,
  });
}

export interface MembershipRow {
  room_id: string;
  user_id: string;
  membership: Membership;
  stream_ordering: number | string;
}

export function toMembershipEntity(row: MembershipRow): RoomMembershipEntity {
  return Object.assign(new RoomMembershipEntity(), {
    roomId: row.room_id,
    userId: row.user_id,
    membership: row.membership,
    streamOrdering: Number(row.stream_ordering),
  });
}

/** The room_memberships row an m.room.member event leaves behind. */
export function membershipOf(event: EventEntity): RoomMembershipEntity {
  return Object.assign(new RoomMembershipEntity(), {
    roomId: event.roomId,
    userId: event.stateKey,
    membership: String(event.content.membership) as Membership,
    streamOrdering: event.streamOrdering,
  });
}

function fromJson(value: string | Record<string, unknown>): Record<string, unknown> {
  return typeof value === 'string' ? (JSON.parse(value) as Record<string, unknown>) : value;
}
