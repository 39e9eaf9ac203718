import type { ClientEvent, StrippedStateEvent } from '../events/client-event.js';

/** The /sync response as the spec's sync.yaml describes it (the parts this server fills). */
export interface Timeline {
  events: Partial<ClientEvent>[];
  limited: boolean;
  prev_batch: string;
}

export interface JoinedRoomSync {
  timeline: Timeline;
  state: { events: Partial<ClientEvent>[] };
  account_data: { events: Array<{ type: string; content: Record<string, unknown> }> };
  ephemeral: { events: unknown[] };
  unread_notifications: { highlight_count: number; notification_count: number };
  summary: {
    'm.heroes'?: string[];
    'm.joined_member_count'?: number;
    'm.invited_member_count'?: number;
  };
}

export interface InvitedRoomSync {
  invite_state: { events: StrippedStateEvent[] };
}

export interface LeftRoomSync {
  timeline: Timeline;
  state: { events: Partial<ClientEvent>[] };
  account_data: { events: Array<{ type: string; content: Record<string, unknown> }> };
}

/** A room followed through an MSC2753 peek. */
export interface PeekedRoomSync {
  timeline: Timeline;
  state: { events: Partial<ClientEvent>[] };
  account_data: { events: never[] };
}

export interface SyncResponse {
  next_batch: string;
  rooms: {
    join: Record<string, JoinedRoomSync>;
    invite: Record<string, InvitedRoomSync>;
    leave: Record<string, LeftRoomSync>;
    knock: Record<string, never>;
    peek?: Record<string, PeekedRoomSync>;
  };
  account_data: { events: Array<{ type: string; content: Record<string, unknown> }> };
  presence?: { events: unknown[] };
}

export function isEmptySync(response: SyncResponse): boolean {
  const { rooms } = response;
  return (
    Object.keys(rooms.join).length === 0 &&
    Object.keys(rooms.invite).length === 0 &&
    Object.keys(rooms.leave).length === 0 &&
    Object.keys(rooms.peek ?? {}).length === 0 &&
    response.account_data.events.length === 0 &&
    (response.presence?.events.length ?? 0) === 0
  );
}
