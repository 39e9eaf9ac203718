import type { PresenceView } from './presence-model.js';
import { sameView } from './presence-rules.js';

/**
 * When a change of what others see is written (PRODUCT.md sections 6 and 11.15): the
 * researchers' knobs, and the one bound they all answer to.
 */
export interface PacingSettings {
  /** No change others can see waits longer than this before it is written, whatever the knobs below say. */
  maxLagMs: number;
  /** Automatic changes are written at most this often per user. */
  minIntervalMs: number;
  /** How long a change the clock made (idle, a busy report lapsing) must hold before it is written. */
  settleMs: number;
  /** How long going offline because every device timed out must hold before it is written. */
  offlineGraceMs: number;
  /**
   * Whether `currently_active` lapsing is written. When not, readers derive it: what was published
   * as currently active stops being so `lastActiveGranularityMs` after its `last_active_ts`.
   */
  publishActivityLapses: boolean;
  /**
   * Whether `currently_active` coming back is written even when it will lapse again by itself
   * within `maxLagMs` (one burst of activity, then none for the granularity). When not, such a
   * blip is folded away as batching within the bound folds any change undone inside it (and,
   * with lapses written, its lapse is not written either).
   */
  publishActivityBlips: boolean;
  lastActiveGranularityMs: number;
}

/**
 * What a reader makes of a published view at `now`. When lapses are not written, a published
 * `currently_active` holds only until `last_active_ts` + the granularity: the same rule the core
 * applies to the truth, so with an up-to-date `last_active_ts` the two lapse at the same moment.
 */
export function seenView(published: PresenceView, now: number, pacing: PacingSettings): PresenceView {
  if (pacing.publishActivityLapses || !published.currentlyActive || now < published.lastActiveTs + pacing.lastActiveGranularityMs) {
    return published;
  }
  return { ...published, currentlyActive: false };
}

/** When what a reader makes of a published view changes by itself, if it will. */
export function seenChangeAt(published: PresenceView | null, now: number, pacing: PacingSettings): number | null {
  if (!published || pacing.publishActivityLapses || !published.currentlyActive) return null;
  const lapse = published.lastActiveTs + pacing.lastActiveGranularityMs;
  return lapse > now ? lapse : null;
}

/** A change of what others see not yet written. */
export interface PendingChange {
  /** When what others see first differed from the truth (for a change the clock made, when the rules made it). */
  since: number;
  /** Whether a request made any of it: a request's change is not held to settle even when the clock adds to it. */
  byRequest: boolean;
}

/** The change waiting to be written, if any, carrying over when it began. */
export function pendingChange(
  seen: PresenceView | null,
  view: PresenceView,
  pending: PendingChange | null,
  since: number,
  byRequest: boolean,
): PendingChange | null {
  if (seen && sameView(seen, view)) return null;
  return { since: pending?.since ?? since, byRequest: (pending?.byRequest ?? false) || byRequest };
}

export interface PublicationCause {
  /** The user changed it by hand: manual presence, appear-offline, status text. */
  byHand: boolean;
  /** When the last publication was written (0 when unknown). */
  publishedAt: number;
}

/**
 * When a pending change is written: the first view, a change by hand and a status text at once;
 * one a request made at once, or once `minIntervalMs` has passed since the last publication;
 * one the clock made once it has held for `settleMs` (`offlineGraceMs` when it is going
 * offline), so a pause between messages, or a device that comes back, writes nothing. Never
 * later than `maxLagMs` after the change began. Returns the time (`now` or later), or null when
 * nothing is pending.
 */
export function publicationDue(
  seen: PresenceView | null,
  view: PresenceView,
  pending: PendingChange | null,
  now: number,
  cause: PublicationCause,
  pacing: PacingSettings,
): number | null {
  if (seen && sameView(seen, view)) return null;
  if (!seen || !pending || cause.byHand || seen.statusMsg !== view.statusMsg) return now;
  const hold = pending.byRequest ? 0 : view.presence === 'offline' ? pacing.offlineGraceMs : pacing.settleMs;
  const wanted = Math.max(cause.publishedAt + pacing.minIntervalMs, pending.since + hold);
  return Math.max(now, Math.min(wanted, pending.since + pacing.maxLagMs));
}

/**
 * With lapses derived by readers, when the published view must be written again only to carry a
 * newer `last_active_ts`: the truth stays currently active past the lapse readers will derive
 * from the published one. Due `leadMs` before that lapse, so no reader derives a false one; null
 * when none is needed (the truth lapses with it, or that lapse has come already).
 */
export function refreshDue(published: PresenceView | null, view: PresenceView, now: number, leadMs: number, pacing: PacingSettings): number | null {
  if (pacing.publishActivityLapses || !published?.currentlyActive || !view.currentlyActive) return null;
  if (published.presence !== view.presence || published.statusMsg !== view.statusMsg || view.lastActiveTs <= published.lastActiveTs) return null;
  const lapse = published.lastActiveTs + pacing.lastActiveGranularityMs;
  // Once readers derive the lapse, new activity is a return to currently active (a request's change), not a refresh.
  return now < lapse ? lapse - leadMs : null;
}

/**
 * Whether, at a wake by the clock (no request since), readers derive a lapse that is false: the
 * user was published as currently active and still is, so the published `last_active_ts` is
 * stale (its refresh came too late, say across a restart). Corrected at once rather than held
 * like a change the clock made.
 */
export function derivesFalseLapse(published: PresenceView | null, seen: PresenceView | null, view: PresenceView): boolean {
  return published !== null && seen !== null && published.currentlyActive && !seen.currentlyActive && view.currentlyActive && published.presence === view.presence;
}

/**
 * Whether a pending change may be left unwritten because it undoes itself within the bound:
 * readers already have the status text, and what they will make of the published view at
 * `bound` is what the truth will be then with no further activity (the user currently active
 * again, lapsing by then). Whether lapses are written or derived, such a blip is folded away.
 * Any further change of the truth wakes the engine, which looks again.
 */
export function foldsAway(published: PresenceView | null, view: PresenceView, bound: number, pacing: PacingSettings): boolean {
  if (pacing.publishActivityBlips || !published || published.statusMsg !== view.statusMsg) return false;
  return sameView(seenView(published, bound, pacing), seenView(view, bound, { ...pacing, publishActivityLapses: false }));
}

/**
 * Why an m.presence event was written, for the measured breakdown: coming online from offline,
 * going offline, another change of the presence value (idle, busy), `currently_active` lapsing,
 * activity after it had lapsed, or a refresh of `last_active_ts` while active (lapses derived).
 */
export type PresenceEventCause = 'online' | 'offline' | 'presence' | 'active_lapse' | 'active_again' | 'active_refresh';

/**
 * The cause of the m.presence event a publication writes (null when it writes none). A refresh
 * (`refreshDue`) is a last-active bump readers need to keep deriving the user as active.
 */
export function presenceEventCause(previous: PresenceView | null, next: PresenceView, refresh = false): PresenceEventCause | null {
  if (!previous || previous.presence !== next.presence) {
    if (next.presence === 'offline') return 'offline';
    return !previous || previous.presence === 'offline' ? 'online' : 'presence';
  }
  if (previous.currentlyActive !== next.currentlyActive) return next.currentlyActive ? 'active_again' : 'active_lapse';
  return refresh ? 'active_refresh' : null;
}
