import type { PresencePolicy, PresenceSettings, PresenceView } from '../presence/core/presence-model.js';
import { publicationEvents } from '../presence/core/presence-rules.js';
import type { PacingSettings } from '../presence/core/publication-pacing.js';
import { PresenceEngine, type Publication } from '../presence/presence-engine.js';
import type { ScriptedInput } from '../presence/simulation/day-script.js';

/** One event the server writes for a publication, when, and what it follows. */
export interface WrittenEvent {
  at: number;
  kind: 'presence' | 'status';
  view: PresenceView;
  previous: PresenceView | null;
  /** How long the change others can see waited before it was written (ms). */
  lag: number;
  /** Only a newer last_active_ts, written so readers keep deriving the user as active (lapses derived). */
  refresh?: boolean;
}

export interface UserRun {
  events: WrittenEvent[];
  /** Hours (since the epoch) in which at least one device of the user was live. */
  activeHours: Set<number>;
}

/**
 * Runs users' scripts through one PresenceEngine on a fake clock, as PresenceService drives it:
 * each input applied at its time, and the timer wheel swept whenever something falls due. Every
 * publication becomes the events PresenceWriter would append (publicationEvents), in order.
 */
export function runEngine(
  policy: PresencePolicy,
  settings: PresenceSettings,
  pacing: PacingSettings,
  scripts: ReadonlyMap<string, ScriptedInput[]>,
  end: number,
  tickMs = 1000,
): Map<string, UserRun> {
  const merged: Array<{ at: number; userId: string; input: ScriptedInput['input'] }> = [];
  for (const [userId, script] of scripts) for (const { at, input } of script) merged.push({ at, userId, input });
  // Stable: one user's inputs at the same time keep their order.
  merged.sort((a, b) => a.at - b.at);
  const clock = { time: merged[0]?.at ?? 0, now: () => clock.time };
  const engine = new PresenceEngine(policy, settings, pacing, clock, tickMs);
  const runs = new Map<string, UserRun>([...scripts.keys()].map((userId) => [userId, { events: [], activeHours: new Set<number>() }]));
  const record = (publication: Publication | null) => {
    if (!publication) return;
    const run = runs.get(publication.userId)!;
    for (const kind of publicationEvents(publication.previous, publication.view, publication.refresh)) {
      const lag = clock.time - publication.changedAt;
      run.events.push({ at: clock.time, kind, view: publication.view, previous: publication.previous, lag, refresh: publication.refresh });
    }
  };
  const noteLive = (userId: string) => {
    const inputs = engine.tracked(userId)?.inputs;
    if (inputs?.devices.some((device) => clock.time < device.lastSeenTs + settings.syncOnlineTimeoutMs)) {
      runs.get(userId)!.activeHours.add(Math.floor(clock.time / 3_600_000));
    }
  };
  const sweepUntil = (until: number) => {
    for (let due = engine.nextDueAt(); due !== null && due <= until; due = engine.nextDueAt()) {
      clock.time = Math.max(clock.time, due);
      engine.sweep().forEach(record);
    }
  };
  for (const { at, userId, input } of merged) {
    sweepUntil(at);
    clock.time = at;
    record(engine.apply(userId, [input]).publication);
    noteLive(userId);
  }
  sweepUntil(end);
  return runs;
}
