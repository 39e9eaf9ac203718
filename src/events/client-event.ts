import type { EventEntity } from './event.entity.js';

/** An event as the client-server API shows it (ClientEvent / ClientEventWithoutRoomID). */
export interface ClientEvent {
  content: Record<string, unknown>;
  event_id: string;
  origin_server_ts: number;
  room_id?: string;
  sender: string;
  state_key?: string;
  type: string;
  unsigned?: Record<string, unknown>;
}

/** The stripped state shown with invites. */
export interface StrippedStateEvent {
  content: Record<string, unknown>;
  sender: string;
  state_key: string;
  type: string;
}

export interface Viewer {
  userId: string;
  deviceId: string | null;
}

export function toClientEvent(
  event: EventEntity,
  now: number,
  options: { viewer?: Viewer; includeRoomId?: boolean } = {},
): ClientEvent {
  const unsigned: Record<string, unknown> = { ...(event.unsigned ?? {}), age: Math.max(0, now - event.originServerTs) };
  const { viewer } = options;
  if (viewer && event.txnId && event.sender === viewer.userId && event.deviceId === viewer.deviceId) {
    unsigned.transaction_id = event.txnId;
  }
  const result: ClientEvent = {
    content: event.content,
    event_id: event.eventId,
    origin_server_ts: event.originServerTs,
    sender: event.sender,
    type: event.type,
    unsigned,
  };
  if (options.includeRoomId !== false) result.room_id = event.roomId;
  if (event.stateKey !== null) result.state_key = event.stateKey;
  return result;
}

export function toStrippedState(event: EventEntity): StrippedStateEvent {
  return { content: event.content, sender: event.sender, state_key: event.stateKey ?? '', type: event.type };
}
