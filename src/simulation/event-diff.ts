import type { MscIdentifiers } from '../common/msc-identifiers.js';
import { presenceEventContent, statusEventContent } from '../presence/presence-events.js';
import type { UserRun } from './engine-run.js';

/** One event as the server stored it, or as the replay predicts it: comparable field by field. */
export interface ComparableEvent {
  sender: string;
  type: string;
  content: Record<string, unknown>;
  /** When it was written (ms; the caller says from when). */
  at: number;
}

/** The events PresenceWriter appends for the engine's publications, in the order they were made. */
export function predictedEvents(runs: ReadonlyMap<string, UserRun>, ids: MscIdentifiers): ComparableEvent[] {
  return (
    [...runs]
      .flatMap(([userId, run]) =>
        run.events.map((event) => ({
          sender: userId,
          type: ids.write(event.kind),
          content: event.kind === 'presence' ? presenceEventContent(event.view, ids) : statusEventContent(event.view.statusMsg),
          at: event.at,
        })),
      )
      // The server's stream orders events by when they were written; a stable sort keeps each user's own order.
      .sort((a, b) => a.at - b.at)
  );
}

/**
 * How far a written time may be from the predicted one. A server writes an event when its
 * transaction commits, after its ticker found it due: on a loaded machine both wait, so an event
 * may be written well after the prediction, but before it only by the time a request takes.
 */
export interface Tolerance {
  earlierMs: number;
  laterMs: number;
}

/**
 * Whether a written event is the predicted one: sender, type and content the same; written
 * within the tolerance of the predicted time, `last_active_ts` within `earlierMs` of it.
 */
export function sameEvent(predicted: ComparableEvent, written: ComparableEvent, tolerance: Tolerance): boolean {
  const late = written.at - predicted.at;
  if (predicted.sender !== written.sender || predicted.type !== written.type || late < -tolerance.earlierMs || late > tolerance.laterMs) return false;
  const keys = Object.keys(predicted.content).sort();
  if (keys.join() !== Object.keys(written.content).sort().join()) return false;
  return keys.every((key) => {
    const [x, y] = [predicted.content[key], written.content[key]];
    if (key === 'last_active_ts' && typeof x === 'number' && typeof y === 'number') return x === y || (x > 0 && y > 0 && Math.abs(x - y) <= tolerance.earlierMs);
    return JSON.stringify(x) === JSON.stringify(y);
  });
}

/** A user whose written events differ from the predicted ones, as diff lines (`-` predicted only, `+` written only, ` ` both). */
export interface EventMismatch {
  userId: string;
  lines: string[];
}

export interface EventComparison {
  matched: boolean;
  /** Events in both, each user's in order. */
  common: number;
  mismatches: EventMismatch[];
}

/** An event on one line: when (s), type, content. */
export function eventLine(event: ComparableEvent): string {
  return `${(event.at / 1000).toFixed(3).padStart(9)} s  ${event.type} ${JSON.stringify(event.content)}`;
}

/**
 * Compares written with predicted events user by user, in each user's order (the stream
 * interleaves users as their writes landed, which real time decides). A user's differences come
 * as a diff over the longest common sequence, with one matching event before each run of
 * differences for context.
 */
export function compareEvents(written: readonly ComparableEvent[], predicted: readonly ComparableEvent[], tolerance: Tolerance): EventComparison {
  const users = [...new Set([...predicted, ...written].map((event) => event.sender))].sort();
  const mismatches: EventMismatch[] = [];
  let common = 0;
  for (const userId of users) {
    const ours = predicted.filter((event) => event.sender === userId);
    const theirs = written.filter((event) => event.sender === userId);
    const steps = diffSteps(ours, theirs, (a, b) => sameEvent(a, b, tolerance));
    common += steps.filter((step) => step.mark === ' ').length;
    if (steps.every((step) => step.mark === ' ')) continue;
    const lines = steps.flatMap((step, index) => {
      const context = step.mark === ' ' && steps[index + 1] !== undefined && steps[index + 1].mark !== ' ';
      return step.mark !== ' ' || context ? [`${step.mark} ${eventLine(step.event)}`] : [];
    });
    mismatches.push({ userId, lines });
  }
  return { matched: mismatches.length === 0, common, mismatches };
}

/** The diff of two sequences over their longest common subsequence: predicted-only (`-`), written-only (`+`), both (` `). */
function diffSteps<T>(ours: readonly T[], theirs: readonly T[], same: (a: T, b: T) => boolean): Array<{ mark: ' ' | '-' | '+'; event: T }> {
  // lengths[i][j]: the longest common subsequence of ours[i..] and theirs[j..].
  const lengths = Array.from({ length: ours.length + 1 }, () => new Array<number>(theirs.length + 1).fill(0));
  for (let i = ours.length - 1; i >= 0; i -= 1) {
    for (let j = theirs.length - 1; j >= 0; j -= 1) {
      lengths[i][j] = same(ours[i], theirs[j]) ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const steps: Array<{ mark: ' ' | '-' | '+'; event: T }> = [];
  let [i, j] = [0, 0];
  while (i < ours.length || j < theirs.length) {
    if (i < ours.length && j < theirs.length && same(ours[i], theirs[j])) {
      steps.push({ mark: ' ', event: theirs[j] });
      [i, j] = [i + 1, j + 1];
    } else if (j >= theirs.length || (i < ours.length && lengths[i + 1][j] >= lengths[i][j + 1])) {
      steps.push({ mark: '-', event: ours[i] });
      i += 1;
    } else {
      steps.push({ mark: '+', event: theirs[j] });
      j += 1;
    }
  }
  return steps;
}
