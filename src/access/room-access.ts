import type { ProfileVisibility } from '../config/app-config.js';
import type { Membership } from '../events/room-membership.entity.js';

/** What decides whether someone may read a room they have not joined (PRODUCT.md sections 3 and 7). */
export interface RoomAccessFacts {
  /** null: an unauthenticated request. */
  viewer: string | null;
  membership: Membership | null;
  /** Set when the room is a profile room. */
  profile: { owner: string; visibility: ProfileVisibility } | null;
  historyVisibility: string;
}

export type AccessDecision = 'allow' | 'deny' | 'allow-if-shares-room-with-owner';

/**
 * Members read their rooms. A public profile room may be peeked by any authenticated user, a
 * restricted one only by users the owner invited into it or who share a joined room with the
 * owner (the caller checks that last fact only when asked to). Other rooms may be peeked when
 * their history is world_readable.
 */
export function decideRoomAccess(facts: RoomAccessFacts): AccessDecision {
  if (facts.viewer === null) return 'deny';
  if (facts.membership === 'join') return 'allow';
  if (facts.profile) {
    if (facts.viewer === facts.profile.owner || facts.profile.visibility === 'public') return 'allow';
    return facts.membership === 'invite' ? 'allow' : 'allow-if-shares-room-with-owner';
  }
  return facts.historyVisibility === 'world_readable' ? 'allow' : 'deny';
}
