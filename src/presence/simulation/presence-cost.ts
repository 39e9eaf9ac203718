import type { PresencePolicy, PresenceSettings, PresenceView } from '../core/presence-model.js';
import { EMPTY_INPUTS } from '../core/presence-model.js';
import { BY_HAND_INPUTS, pendingChange, type PendingChange, publicationDue, publicationEvents, sameView } from '../core/presence-rules.js';
import type { ScriptedInput } from './day-script.js';

export interface PresenceCost {
  /** m.presence state events this server would persist (it publishes on view changes only). */
  presenceEvents: number;
  statusEvents: number;
  /**
   * Presence updates a Synapse-style server would send: every change of state or
   * currently_active, and every last_active bump beyond the granularity.
   */
  legacyUpdates: number;
  /** Hours in which at least one device of the user was live. */
  activeHours: number;
}

/**
 * Replays a user's scripted inputs through a policy exactly as the engine does: re-evaluating
 * at each input and at each time the evaluation says it will change by itself, and publishing
 * when what others see changes.
 */
export function replayDay(
  policy: PresencePolicy,
  settings: PresenceSettings,
  script: ScriptedInput[],
  dayEnd: number,
  pacing: { minIntervalMs: number; settleMs: number },
): PresenceCost {
  let inputs = EMPTY_INPUTS;
  let published: { view: PresenceView; at: number } | null = null;
  let pending: PendingChange | null = null;
  let notified: PresenceView | null = null;
  const cost: PresenceCost = { presenceEvents: 0, statusEvents: 0, legacyUpdates: 0, activeHours: 0 };
  const activeHours = new Set<number>();

  // `before`: the view before a request's inputs, or null when the clock alone re-evaluates.
  const reconcile = (now: number, cause: { byHand: boolean; before: PresenceView | null }) => {
    const evaluation = policy.evaluate(inputs, now, settings);
    const view = evaluation.forOthers;
    const byRequest = cause.before !== null && !sameView(cause.before, view);
    pending = pendingChange(published?.view ?? null, view, pending, now, byRequest);
    const due = publicationDue(published, view, now, { byHand: cause.byHand, byRequest: pending?.byRequest ?? false, pendingSince: pending?.since ?? now, ...pacing });
    if (due === now) {
      for (const kind of publicationEvents(published?.view ?? null, view)) {
        if (kind === 'presence') cost.presenceEvents += 1;
        else cost.statusEvents += 1;
      }
      published = { view, at: now };
      pending = null;
    }
    const bumped = notified !== null && view.lastActiveTs - notified.lastActiveTs > settings.lastActiveGranularityMs;
    if (!notified || !sameView(notified, view) || bumped) {
      cost.legacyUpdates += 1;
      notified = view;
    }
    if (inputs.devices.some((device) => now < device.lastSeenTs + settings.syncOnlineTimeoutMs)) activeHours.add(Math.floor(now / 3_600_000));
    const wakes = [evaluation.nextChangeAt, due !== null && due > now ? due : null].filter((at): at is number => at !== null);
    return wakes.length > 0 ? Math.min(...wakes) : null;
  };

  const byClock = { byHand: false, before: null };
  let wakeAt: number | null = null;
  for (const { at, input } of script) {
    while (wakeAt !== null && wakeAt <= at) wakeAt = reconcile(wakeAt, byClock);
    const before = policy.evaluate(inputs, at, settings).forOthers;
    inputs = policy.apply(inputs, input, at, settings);
    wakeAt = reconcile(at, { byHand: BY_HAND_INPUTS.has(input.kind), before });
  }
  while (wakeAt !== null && wakeAt <= dayEnd) wakeAt = reconcile(wakeAt, byClock);
  cost.activeHours = activeHours.size;
  return cost;
}
