import { EMPTY_INPUTS, type PresenceEvaluation, type PresenceInput, type PresencePolicy, type PresenceSettings, type PresenceView } from './core/presence-model.js';
import { BY_HAND_INPUTS, sameView } from './core/presence-rules.js';
import {
  derivesFalseLapse,
  foldsAway,
  type PacingSettings,
  type PendingChange,
  pendingChange,
  publicationDue,
  refreshDue,
  seenChangeAt,
  seenView,
} from './core/publication-pacing.js';
import { TimerWheel } from './timer-wheel.js';
import { TrackedPresence } from './tracked-presence.js';

/** A change of what others see, to be written to the owner's profile room. */
export interface Publication {
  userId: string;
  view: PresenceView;
  /** What readers saw until now (null when nothing was published yet). */
  previous: PresenceView | null;
  /** When what others see began to differ from what was published: the publication's lag counts from here. */
  changedAt: number;
  /** Only a newer last_active_ts, written so readers keep deriving the user as currently active. */
  refresh: boolean;
}

/** The engine's only source of time. */
export interface EngineClock {
  now(): number;
}

/** Changes replayed within one wake at most; more within a tick would be a policy that churns. */
const MAX_CATCH_UP_STEPS = 8;

const NEVER_SEEN: PresenceView = Object.freeze({ presence: 'offline', currentlyActive: false, lastActiveTs: 0, statusMsg: null });

/** The earlier of two times, either of which may be absent. */
function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

/**
 * The presence engine's decisions, with no I/O: every tracked user's inputs, the policy's
 * evaluation of them, when what others see changes and when that change is written, and the one
 * timer wheel that wakes users when either comes due. PresenceService wraps it with the database;
 * the simulated day drives it with a fake clock, so the figures measure this code.
 *
 * `apply` and `sweep` return the publications due now; the caller writes them. `published` moves
 * when a publication is returned, so concurrent inputs never publish the same change twice.
 */
export class PresenceEngine {
  private readonly users = new Map<string, TrackedPresence>();
  private readonly wheel: TimerWheel<TrackedPresence>;
  /** Users whose derived view changed with nothing written, not yet taken (see `takeDerivedChanges`). */
  private derivedChanges: string[] = [];

  constructor(
    private readonly policy: PresencePolicy,
    readonly settings: PresenceSettings,
    readonly pacing: PacingSettings,
    private readonly clock: EngineClock,
    private readonly tickMs: number,
  ) {
    this.wheel = new TimerWheel(tickMs, clock.now());
  }

  get policyName(): string {
    return this.policy.name;
  }

  /** The earliest time a sweep would find a user due, or null when none is armed. */
  nextDueAt(): number | null {
    return this.wheel.nextDueAt();
  }

  /** How many users the engine holds. */
  get trackedCount(): number {
    return this.users.size;
  }

  tracked(userId: string): TrackedPresence | undefined {
    return this.users.get(userId);
  }

  /**
   * Takes over a user restored from storage and arms them: a change that happened while the
   * server was down is published at the first sweep.
   */
  restore(tracked: TrackedPresence): void {
    const now = this.clock.now();
    const replaced = this.users.get(tracked.userId);
    if (replaced && replaced !== tracked) this.wheel.cancel(replaced);
    this.users.set(tracked.userId, tracked);
    const evaluation = this.evaluate(tracked, now);
    const stale = !tracked.published || !sameView(seenView(tracked.published, now, this.pacing), evaluation.forOthers);
    this.arm(tracked, stale ? now : earliest(evaluation.nextChangeAt, seenChangeAt(tracked.published, now, this.pacing)));
    // A lapse readers derived while the server was down is news to live channels that do not derive.
    this.noteDerivedChange(tracked, now);
  }

  /** Applies a request's inputs through the policy; returns the user and what must be published now, if anything. */
  apply(userId: string, inputs: PresenceInput[]): { tracked: TrackedPresence; changed: boolean; publication: Publication | null } {
    const now = this.clock.now();
    const tracked = this.track(userId);
    const before = this.evaluate(tracked, now).forOthers;
    const previous = tracked.inputs;
    for (const input of inputs) tracked.inputs = this.policy.apply(tracked.inputs, input, now, this.settings);
    // Inputs the policy ignores (a sign-in under the legacy policy) leave nothing to publish.
    if (tracked.inputs === previous) return { tracked, changed: false, publication: null };
    const byHand = inputs.some((input) => BY_HAND_INPUTS.has(input.kind));
    return { tracked, changed: true, publication: this.reconcile(tracked, now, { byHand, before }) };
  }

  /**
   * Users whose view for others changed with no publication since last asked: a `currently_active`
   * lapse readers derive from the published `last_active_ts` (when lapses are not written). Live
   * channels whose clients do not derive (legacy /sync, GraphQL) must be told of it.
   */
  takeDerivedChanges(): string[] {
    const changes = this.derivedChanges;
    this.derivedChanges = [];
    return changes;
  }

  /** Re-evaluates the users whose presence, or whose pending publication, has come due. */
  sweep(): Publication[] {
    const now = this.clock.now();
    const publications: Publication[] = [];
    for (const tracked of this.wheel.takeDue(now)) {
      const publication = this.reconcile(tracked, now, { byHand: false, before: null });
      if (publication) publications.push(publication);
    }
    return publications;
  }

  /** The user's presence as `viewerId` sees it: the truth for themselves, what was published for others. */
  view(userId: string, viewerId: string): PresenceView {
    const tracked = this.users.get(userId);
    if (!tracked) return NEVER_SEEN;
    const now = this.clock.now();
    if (userId === viewerId) return this.evaluate(tracked, now).forSelf;
    return tracked.published ? seenView(tracked.published, now, this.pacing) : NEVER_SEEN;
  }

  private track(userId: string): TrackedPresence {
    let tracked = this.users.get(userId);
    if (!tracked) this.users.set(userId, (tracked = new TrackedPresence(userId, EMPTY_INPUTS, null)));
    return tracked;
  }

  /**
   * The policy's answer for the user now. With the same inputs it stands until its nextChangeAt
   * (the core's promise, tested), so the last one is reused: a request asks for it before and
   * after its inputs, and a /sync again for the user's own presence.
   */
  private evaluate(tracked: TrackedPresence, now: number): PresenceEvaluation {
    const last = tracked.evaluation;
    if (last && tracked.evaluatedInputs === tracked.inputs && now >= tracked.evaluatedAt && (last.nextChangeAt === null || now < last.nextChangeAt)) {
      return last;
    }
    const evaluation = this.policy.evaluate(tracked.inputs, now, this.settings);
    tracked.evaluation = evaluation;
    tracked.evaluatedInputs = tracked.inputs;
    tracked.evaluatedAt = now;
    return evaluation;
  }

  /** Notes once per published view that readers now derive it as no longer currently active. */
  private noteDerivedChange(tracked: TrackedPresence, now: number): void {
    const published = tracked.published;
    if (!published?.currentlyActive || tracked.derivedLapseOf === published || seenView(published, now, this.pacing).currentlyActive) return;
    tracked.derivedLapseOf = published;
    this.derivedChanges.push(tracked.userId);
  }

  private arm(tracked: TrackedPresence, at: number | null): void {
    tracked.wakeAt = at;
    if (at === null) this.wheel.cancel(tracked);
    else this.wheel.schedule(tracked, at);
  }

  /**
   * A blip of activity that lapses within the bound is not written (null); the user wakes when it
   * lapses. Unless the truth changes otherwise by then (a device timing out, even at the very
   * moment of the lapse), so late that the wheel would only notice it past the bound: then what
   * stands is written a tick before that change.
   */
  private unlessFolded(tracked: TrackedPresence, evaluation: PresenceEvaluation, since: number, due: number, now: number): number | null {
    const bound = since + this.pacing.maxLagMs;
    if (!foldsAway(tracked.published, evaluation.forOthers, bound, this.pacing)) return due;
    const next = evaluation.nextChangeAt;
    // Nothing changes by the bound, or the wheel wakes for the change before the bound and looks then.
    if (next === null || next > bound || next + this.tickMs <= bound) return null;
    const atBound = this.policy.evaluate(tracked.inputs, bound, this.settings).forOthers;
    return foldsAway(tracked.published, atBound, bound, this.pacing) ? null : Math.max(now, next - this.tickMs);
  }

  /**
   * For a wake by the clock: when the change now pending began. The user was armed for the
   * earliest time anything could change (`wakeAt`), and the wheel wakes up to a tick later, so
   * the changes in between are replayed at their own times: one undone inside the tick ends the
   * pending change, and the next begins when it happened.
   */
  private catchUp(tracked: TrackedPresence, now: number): { carried: PendingChange | null; since: number } {
    let at = tracked.wakeAt !== null && tracked.wakeAt <= now ? tracked.wakeAt : now;
    if (!tracked.pending || !tracked.published || at >= now) return { carried: tracked.pending, since: at };
    for (let step = 0; step < MAX_CATCH_UP_STEPS && at < now; step += 1) {
      const then = this.policy.evaluate(tracked.inputs, at, this.settings);
      if (!sameView(seenView(tracked.published, at, this.pacing), then.forOthers)) return { carried: step === 0 ? tracked.pending : null, since: at };
      const next = earliest(then.nextChangeAt, seenChangeAt(tracked.published, at, this.pacing));
      if (next === null || next > now) return { carried: null, since: now };
      at = next;
    }
    return { carried: null, since: at };
  }

  /**
   * Re-evaluates a user, re-arms their timer and returns what must be published, if anything.
   * `before` is the view before a request's inputs, or null when the clock woke the user; a
   * change the clock made began when the user was due (the wheel wakes up to a tick later).
   */
  private reconcile(tracked: TrackedPresence, now: number, cause: { byHand: boolean; before: PresenceView | null }): Publication | null {
    const evaluation = this.evaluate(tracked, now);
    const seen = tracked.published && seenView(tracked.published, now, this.pacing);
    const byRequest = cause.before !== null && !sameView(cause.before, evaluation.forOthers);
    // Readers saw the truth until this request (a change undid itself before the wheel came by): nothing was pending.
    const { carried, since } =
      cause.before === null ? this.catchUp(tracked, now) : { carried: seen && sameView(cause.before, seen) ? null : tracked.pending, since: now };
    tracked.pending = pendingChange(seen, evaluation.forOthers, carried, since, byRequest);
    let due = publicationDue(seen, evaluation.forOthers, tracked.pending, now, { byHand: cause.byHand, publishedAt: tracked.publishedAt }, this.pacing);
    if (due !== null && !cause.byHand && tracked.pending) due = this.unlessFolded(tracked, evaluation, tracked.pending.since, due, now);
    if (due !== null && cause.before === null && derivesFalseLapse(tracked.published, seen, evaluation.forOthers)) due = now;
    // Nothing pending: a refresh may still be, a tick ahead of the lapse readers would derive.
    const refresh = due === null ? refreshDue(tracked.published, evaluation.forOthers, now, this.tickMs, this.pacing) : null;
    if (refresh !== null) due = Math.max(now, refresh);
    // Due within this tick: written now, so the wheel's resolution never adds to the lag.
    if (due !== null && due - now < this.tickMs) {
      const publication = {
        userId: tracked.userId,
        view: evaluation.forOthers,
        previous: seen,
        changedAt: tracked.pending?.since ?? now,
        refresh: refresh !== null,
      };
      tracked.published = evaluation.forOthers;
      tracked.publishedAt = now;
      tracked.pending = null;
      this.arm(tracked, earliest(evaluation.nextChangeAt, seenChangeAt(tracked.published, now, this.pacing)));
      return publication;
    }
    // Wake when presence or what readers make of it changes by itself, or a held-back change
    // falls due (armed for the start of its tick, so it is written by then), whichever is first.
    const wake = earliest(evaluation.nextChangeAt, seenChangeAt(tracked.published, now, this.pacing));
    this.arm(tracked, earliest(wake, due === null ? null : Math.floor(due / this.tickMs) * this.tickMs));
    // Nothing written: readers may have derived a lapse that live channels must be told of.
    this.noteDerivedChange(tracked, now);
    return null;
  }
}
