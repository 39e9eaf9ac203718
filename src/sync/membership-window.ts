import type { EventEntity } from '../events/event.entity.js';

/**
 * The user's membership at the start of a sync window, read from their first m.room.member event
 * in it (`events`, in stream order): that event's prev_content is what it replaced. Null when
 * they had none (never in the room) or `events` holds no membership event of theirs.
 */
export function membershipBeforeWindow(events: readonly EventEntity[], userId: string): string | null {
  const first = events.find((event) => event.type === 'm.room.member' && event.stateKey === userId);
  const previous = (first?.unsigned?.prev_content as { membership?: unknown } | undefined)?.membership;
  return typeof previous === 'string' ? previous : null;
}

/**
 * Whether a user whose membership is now `join` joined within the window: only a transition into
 * join (from invite, leave, knock or none) is a new join. join→join is a profile change (a new
 * display name or avatar, a per-room nick) and the room stays an incremental update.
 */
export function joinedWithinWindow(events: readonly EventEntity[], userId: string): boolean {
  return membershipBeforeWindow(events, userId) !== 'join';
}
