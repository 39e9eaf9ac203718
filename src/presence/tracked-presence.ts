import type { PendingChange } from './core/publication-pacing.js';
import type { PresenceEvaluation, PresenceInputs, PresenceView } from './core/presence-model.js';
import { TimerEntry } from './timer-wheel.js';

/**
 * A tracked user: the core's inputs, and what the profile room holds for others. It is its own
 * entry in the timer wheel, so a sweep goes from due entries to users with no lookup.
 */
export class TrackedPresence extends TimerEntry {
  /** When `published` was written (0 when unknown, e.g. after a restart). */
  publishedAt = 0;
  /** A change not yet published: since when, and whether a request made it (not stored). */
  pending: PendingChange | null = null;
  /** The published view whose derived `currently_active` lapse was last reported (lapses derived). */
  derivedLapseOf: PresenceView | null = null;
  /** When the user was last armed to wake (a change the clock makes begins then), or null. */
  wakeAt: number | null = null;
  /** The last evaluation, of which inputs and when: it stands until its nextChangeAt. */
  evaluation: PresenceEvaluation | null = null;
  evaluatedInputs: PresenceInputs | null = null;
  evaluatedAt = 0;

  constructor(
    readonly userId: string,
    public inputs: PresenceInputs,
    public published: PresenceView | null,
  ) {
    super();
  }
}
