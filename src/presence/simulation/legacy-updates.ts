import { EMPTY_INPUTS, type PresencePolicy, type PresenceSettings, type PresenceView } from '../core/presence-model.js';
import { sameView } from '../core/presence-rules.js';
import type { ScriptedInput } from './day-script.js';

/**
 * The presence updates a Synapse-style server sends for a user's scripted day, the baseline of
 * the events figure: every change of state or currently_active, at once, and every last-active
 * bump beyond the granularity. A model of that server, not of this engine. `onUpdate` hears each
 * update as it is sent (the federation estimate batches them into transactions).
 */
export function legacyUpdates(
  policy: PresencePolicy,
  settings: PresenceSettings,
  script: ScriptedInput[],
  dayEnd: number,
  onUpdate?: (at: number, view: PresenceView) => void,
): number {
  let inputs = EMPTY_INPUTS;
  let notified: PresenceView | null = null;
  let updates = 0;
  const look = (now: number): number | null => {
    const evaluation = policy.evaluate(inputs, now, settings);
    const view = evaluation.forOthers;
    const bumped = notified !== null && view.lastActiveTs - notified.lastActiveTs > settings.lastActiveGranularityMs;
    if (!notified || !sameView(notified, view) || bumped) {
      updates += 1;
      notified = view;
      onUpdate?.(now, view);
    }
    return evaluation.nextChangeAt;
  };
  let wakeAt: number | null = null;
  for (const { at, input } of script) {
    while (wakeAt !== null && wakeAt <= at) wakeAt = look(wakeAt);
    inputs = policy.apply(inputs, input, at, settings);
    wakeAt = look(at);
  }
  while (wakeAt !== null && wakeAt <= dayEnd) wakeAt = look(wakeAt);
  return updates;
}
