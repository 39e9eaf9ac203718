import type { MscIdentifiers } from '../common/msc-identifiers.js';
import type { ProfileVisibility } from '../config/app-config.js';
import type { NewEvent } from '../events/room-write-transaction.js';
import type { RoomState } from '../events/room-state.js';

/**
 * A level above any user's (the owner holds 100 and cannot raise anything beyond that), so
 * only the server, which writes without a power check, can send events that need it.
 */
export const SERVER_ONLY_POWER_LEVEL = 101;

export const profileRoomAlias = (localpart: string, serverName: string) => `#_profile_${localpart}:${serverName}`;

/** The events that create a profile room (MSC1769): the owner alone, presence left to the server. */
export function profileRoomCreationEvents(options: {
  roomId: string;
  userId: string;
  alias: string;
  displayName: string;
  visibility: ProfileVisibility;
  ids: MscIdentifiers;
}): NewEvent[] {
  const { roomId, userId, alias, displayName, visibility, ids } = options;
  const event = (type: string, content: Record<string, unknown>, stateKey = ''): NewEvent => ({
    roomId,
    type,
    stateKey,
    sender: userId,
    content,
  });
  const serverOnly = Object.fromEntries(ids.both('presence').map((type) => [type, SERVER_ONLY_POWER_LEVEL]));
  return [
    event('m.room.create', { creator: userId, room_version: '10', type: ids.write('profileRoomType') }),
    event('m.room.member', { membership: 'join', displayname: displayName }, userId),
    event('m.room.power_levels', {
      users: { [userId]: 100 },
      users_default: 0,
      events: {
        'm.room.power_levels': 100,
        'm.room.history_visibility': 100,
        'm.room.canonical_alias': 100,
        'm.room.tombstone': 100,
        ...serverOnly,
      },
      events_default: 0,
      state_default: 50,
      ban: 50,
      kick: 50,
      redact: 50,
      invite: 50,
    }),
    event('m.room.join_rules', { join_rule: 'invite' }),
    event('m.room.history_visibility', { history_visibility: 'shared' }),
    event('m.room.guest_access', { guest_access: 'forbidden' }),
    event('m.room.canonical_alias', { alias }),
    event(ids.write('profilePrivacy'), { visibility }),
    event(ids.write('profileField'), { value: displayName }, 'displayname'),
  ];
}

/**
 * The profile fields held in a profile room's state. Both identifier forms are read; where a
 * field exists under both, the newer event wins. An event with no `value` is a removed field.
 */
export function profileFieldsOf(state: RoomState, ids: MscIdentifiers): Record<string, unknown> {
  const newest = new Map<string, { ordering: number; value: unknown }>();
  for (const event of state.events()) {
    if (!ids.matches('profileField', event.type) || event.stateKey === null) continue;
    const seen = newest.get(event.stateKey);
    if (!seen || seen.ordering < event.streamOrdering) {
      newest.set(event.stateKey, { ordering: event.streamOrdering, value: event.content.value });
    }
  }
  // fromEntries defines each key as an own property: a field named `__proto__` stays a field.
  return Object.fromEntries([...newest].filter(([, { value }]) => value !== undefined && value !== null).map(([field, { value }]) => [field, value]));
}

export function profileVisibilityOf(state: RoomState, ids: MscIdentifiers): ProfileVisibility | undefined {
  for (const type of ids.both('profilePrivacy')) {
    const visibility = state.content(type)?.visibility;
    if (visibility === 'public' || visibility === 'restricted') return visibility;
  }
  return undefined;
}
