import type { CreateRoomDto } from './dto/create-room.dto.js';

type Preset = NonNullable<CreateRoomDto['preset']>;

/** The state each createRoom preset implies (spec: "Room presets"). */
export function presetState(preset: Preset): Array<{ type: string; content: Record<string, unknown> }> {
  const isPublic = preset === 'public_chat';
  return [
    { type: 'm.room.join_rules', content: { join_rule: isPublic ? 'public' : 'invite' } },
    { type: 'm.room.history_visibility', content: { history_visibility: 'shared' } },
    { type: 'm.room.guest_access', content: { guest_access: isPublic ? 'forbidden' : 'can_join' } },
  ];
}

/** Default power levels of a new room, as Synapse sets them, before the client's override. */
export function defaultPowerLevels(creator: string, preset: Preset, invitees: string[]): Record<string, unknown> {
  const users: Record<string, number> = { [creator]: 100 };
  if (preset === 'trusted_private_chat') for (const invitee of invitees) users[invitee] = 100;
  return {
    users,
    users_default: 0,
    events: {
      'm.room.name': 50,
      'm.room.power_levels': 100,
      'm.room.history_visibility': 100,
      'm.room.canonical_alias': 50,
      'm.room.avatar': 50,
      'm.room.tombstone': 100,
      'm.room.server_acl': 100,
      'm.room.encryption': 100,
    },
    events_default: 0,
    state_default: 50,
    ban: 50,
    kick: 50,
    redact: 50,
    invite: 0,
  };
}
