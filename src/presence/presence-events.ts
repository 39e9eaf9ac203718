import type { MscIdentifiers } from '../common/msc-identifiers.js';
import type { RoomState } from '../events/room-state.js';
import type { PresenceState, PresenceView } from './core/presence-model.js';

/** How the presence value is written: `busy` in the form MSC_IDENTIFIERS selects. */
export function wirePresence(presence: PresenceState, ids: MscIdentifiers): string {
  return presence === 'busy' ? ids.write('busy') : presence;
}

/** Reads a presence value in either form. */
export function parseWirePresence(value: unknown, ids: MscIdentifiers): PresenceState | null {
  if (value === 'online' || value === 'unavailable' || value === 'offline') return value;
  return ids.matches('busy', value) ? 'busy' : null;
}

/** Content of the m.presence state event: absolute time, since a relative age goes stale in room state. */
export function presenceEventContent(view: PresenceView, ids: MscIdentifiers): Record<string, unknown> {
  return {
    presence: wirePresence(view.presence, ids),
    last_active_ts: view.lastActiveTs,
    currently_active: view.currentlyActive,
  };
}

/** Content of the m.status state event; a cleared status is an empty object. */
export function statusEventContent(statusMsg: string | null): Record<string, unknown> {
  return statusMsg === null ? {} : { status_msg: statusMsg };
}

/**
 * What a profile room holds for others, read back from its m.presence and m.status state (either
 * identifier form; the newer event wins), or null when nothing was published yet. The room is the
 * record of what was published; nothing else keeps a copy.
 */
export function publishedViewOf(state: RoomState, ids: MscIdentifiers): PresenceView | null {
  const presence = newestOf(state, ids.both('presence'))?.content;
  const value = presence && parseWirePresence(presence.presence, ids);
  if (!presence || !value) return null;
  const status = newestOf(state, ids.both('status'))?.content;
  return {
    presence: value,
    currentlyActive: presence.currently_active === true,
    lastActiveTs: typeof presence.last_active_ts === 'number' ? presence.last_active_ts : 0,
    statusMsg: typeof status?.status_msg === 'string' ? status.status_msg : null,
  };
}

function newestOf(state: RoomState, types: readonly string[]) {
  return types
    .map((type) => state.get(type))
    .reduce((newest, event) => (event && (!newest || event.streamOrdering > newest.streamOrdering) ? event : newest), undefined);
}

/**
 * The legacy view (GET /presence/{userId}/status, /sync presence): relative last_active_ago
 * (absent only while the user was never active, as Synapse does; under msc3032 signing in is
 * activity, so every user who ever logged in has it), currently_active only when online,
 * and the profile's display name and avatar riding along (seed 000).
 */
export function legacyPresenceContent(
  view: PresenceView,
  now: number,
  ids: MscIdentifiers,
  profile: { displayname?: unknown; avatar_url?: unknown } = {},
  options: { nullStatus?: boolean } = {},
): Record<string, unknown> {
  const content: Record<string, unknown> = { presence: wirePresence(view.presence, ids) };
  if (view.lastActiveTs > 0) content.last_active_ago = Math.max(0, now - view.lastActiveTs);
  if (view.presence === 'online') content.currently_active = view.currentlyActive;
  // GET answers `status_msg: null` (presence.yaml); an m.presence event omits it (m.presence.yaml).
  if (view.statusMsg !== null || options.nullStatus) content.status_msg = view.statusMsg;
  if (typeof profile.displayname === 'string') content.displayname = profile.displayname;
  if (typeof profile.avatar_url === 'string') content.avatar_url = profile.avatar_url;
  return content;
}
