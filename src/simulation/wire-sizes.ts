import { MscIdentifiers } from '../common/msc-identifiers.js';
import type { PresenceView } from '../presence/core/presence-model.js';
import { presenceEventContent, statusEventContent } from '../presence/presence-events.js';
import { profileRoomAlias, profileRoomCreationEvents } from '../profiles/profile-room.js';

/** The stable identifiers (m.presence, m.status), as a server past the MSCs writes them. */
const IDS = new MscIdentifiers('stable');

/** Identifiers have their real lengths: a 32-character event ID token, an 18-character room ID localpart. */
const EVENT_ID = `$${'e'.repeat(32)}`;
const ROOM_ID = `!${'r'.repeat(18)}:home.test`;
const SERVER = 'home.test';
const utf8 = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export type EventKind = 'presence' | 'status';

function contentOf(kind: EventKind, view: PresenceView): Record<string, unknown> {
  return kind === 'presence' ? presenceEventContent(view, IDS) : statusEventContent(view.statusMsg);
}

/**
 * The JSON the store keeps for one m.presence / m.status state event: the event as clients get
 * it, with the unsigned prev_content, prev_sender and replaces_state it is written with.
 */
export function storedEventBytes(userId: string, kind: EventKind, view: PresenceView, previous: PresenceView | null, at: number): number {
  const unsigned = previous ? { prev_content: contentOf(kind, previous), prev_sender: userId, replaces_state: EVENT_ID } : undefined;
  return utf8({ content: contentOf(kind, view), event_id: EVENT_ID, origin_server_ts: at, room_id: ROOM_ID, sender: userId, state_key: '', type: IDS.write(kind), unsigned });
}

/**
 * A federation PDU (room version 10) for a state event: its content, one prev event, the
 * three auth events (create, power levels, sender's membership), a hash and one signature.
 */
export function pduBytes(userId: string, type: string, content: Record<string, unknown>, at: number, depth: number): number {
  return utf8({
    auth_events: [EVENT_ID, EVENT_ID, EVENT_ID],
    content,
    depth,
    hashes: { sha256: 'h'.repeat(43) },
    origin: SERVER,
    origin_server_ts: at,
    prev_events: [EVENT_ID],
    room_id: ROOM_ID,
    sender: userId,
    signatures: { [SERVER]: { 'ed25519:a_key': 's'.repeat(86) } },
    state_key: '',
    type,
  });
}

export function presencePduBytes(userId: string, kind: EventKind, view: PresenceView, at: number, depth: number): number {
  return pduBytes(userId, IDS.write(kind), contentOf(kind, view), at, depth);
}

/** One entry of a legacy m.presence EDU's push list, as Synapse sends it. */
export function presenceEduEntryBytes(userId: string, view: PresenceView): number {
  const entry: Record<string, unknown> = { user_id: userId, presence: view.presence === 'busy' ? 'online' : view.presence, last_active_ago: 0 };
  if (view.presence === 'online') entry.currently_active = view.currentlyActive;
  if (view.statusMsg !== null) entry.status_msg = view.statusMsg;
  return utf8(entry) + 1;
}

/** A transaction's envelope (PUT /_matrix/federation/v1/send), without its PDUs and EDUs. */
export const TRANSACTION_ENVELOPE_BYTES = utf8({ origin: SERVER, origin_server_ts: 1_790_000_000_000, pdus: [], edus: [] });
/** The m.presence EDU around its push list. */
export const PRESENCE_EDU_WRAPPER_BYTES = utf8({ edu_type: 'm.presence', content: { push: [] } });

/**
 * What a server that starts peeking a user's profile room fetches before it can check any
 * presence event: the room's state at creation (the auth chain is a subset of it) as PDUs.
 * Presence events are never auth events, so this does not grow with presence history.
 */
export function profileRoomJoinCost(userId: string): { events: number; bytes: number } {
  const localpart = userId.slice(1, userId.indexOf(':'));
  const events = profileRoomCreationEvents({
    roomId: ROOM_ID,
    userId,
    alias: profileRoomAlias(localpart, SERVER),
    displayName: localpart,
    visibility: 'public',
    ids: IDS,
  });
  const bytes = events.reduce((sum, event, depth) => sum + pduBytes(userId, event.type, event.content, 0, depth + 1), 0);
  return { events: events.length, bytes };
}
