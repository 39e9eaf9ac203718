import type { PresenceInput } from '../presence/core/presence-model.js';
import type { ScriptedInput } from '../presence/simulation/day-script.js';

const MINUTE = 60_000;

/** An input a client sends as a request of its own (everything but a sync's start and end, and signing in). */
export type RequestInput = Exclude<PresenceInput, { kind: 'sync' | 'sync-end' | 'login' }>;

/**
 * What a client does at `at` (ms after the live run's start): a /sync long-poll with its
 * set_presence, in flight until `until`, or one request.
 */
export type LiveOperation =
  | { at: number; kind: 'poll'; deviceId: string; state: 'online' | 'unavailable'; until: number }
  | { at: number; kind: 'request'; input: RequestInput };

export interface LiveWindow {
  start: number;
  end: number;
}

/**
 * The window of `durationMs`, starting on a whole minute, that holds the most inputs of the
 * scripts: the population's busiest stretch, so a short live run drives as much as it can.
 */
export function busiestWindow(scripts: ReadonlyArray<readonly ScriptedInput[]>, durationMs: number): LiveWindow {
  const times = scripts.flatMap((script) => script.map(({ at }) => at)).sort((a, b) => a - b);
  if (times.length === 0) return { start: 0, end: durationMs };
  let best = { start: Math.floor(times[0] / MINUTE) * MINUTE, count: -1 };
  let last = 0;
  for (let start = best.start; start <= times[times.length - 1]; start += MINUTE) {
    while (times[last] < start) last += 1;
    let count = 0;
    while (last + count < times.length && times[last + count] < start + durationMs) count += 1;
    if (count > best.count) best = { start, count };
  }
  return { start: best.start, end: best.start + durationMs };
}

/**
 * A user's script within the window, as the requests a client makes, with times counted from the
 * window's start and divided by `scale`. A sync and its end become one long-poll (cut at the
 * window's end); a poll already in flight when the window opens is left out, as are inputs after
 * it closes. Times are whole milliseconds.
 */
export function liveOperations(script: readonly ScriptedInput[], window: LiveWindow, scale: number): LiveOperation[] {
  const real = (at: number) => Math.round((at - window.start) / scale);
  const operations: LiveOperation[] = [];
  const open = new Map<string, { at: number; kind: 'poll'; deviceId: string; state: 'online' | 'unavailable'; until: number }>();
  const close = (deviceId: string, at: number) => {
    const poll = open.get(deviceId);
    if (poll) poll.until = Math.max(poll.at, real(Math.min(at, window.end)));
    open.delete(deviceId);
  };
  for (const { at, input } of script) {
    if (at < window.start) continue;
    if (input.kind === 'sync-end') {
      close(input.deviceId, at);
      continue;
    }
    if (at >= window.end) continue;
    if (input.kind === 'sync') {
      close(input.deviceId, at);
      const poll = { at: real(at), kind: 'poll' as const, deviceId: input.deviceId, state: input.state, until: real(window.end) };
      open.set(input.deviceId, poll);
      operations.push(poll);
    } else if (input.kind !== 'login') {
      operations.push({ at: real(at), kind: 'request', input });
    }
  }
  return operations;
}

/** The devices a user's operations use, in the order they first appear. */
export function devicesOf(operations: readonly LiveOperation[]): string[] {
  const devices = new Set<string>();
  for (const operation of operations) {
    if (operation.kind === 'poll') devices.add(operation.deviceId);
    else if ('deviceId' in operation.input) devices.add(operation.input.deviceId);
  }
  return [...devices];
}

/** A span of time in which no input of a user may land: around a deadline of theirs, or another input. */
export interface Keepout {
  from: number;
  to: number;
}

/**
 * The earliest time at or after `at` outside every keep-out span. Real time jitters: an input a
 * few milliseconds either side of a deadline (a timeout, a pacing delay) may come before or after
 * the server's sweep, so the run holds inputs clear of them, and the check stays fair.
 */
export function clearOf(at: number, keepouts: readonly Keepout[]): number {
  let time = at;
  for (const span of [...keepouts].sort((a, b) => a.from - b.from)) {
    if (time >= span.from && time <= span.to) time = span.to + 1;
  }
  return time;
}

/**
 * The keep-out span of a deadline at `dueAt`: the server's ticker finds it due up to a tick
 * later (the wheel files it in the tick's slot), and `marginMs` either side covers the time a
 * request takes to reach the server or its answer to return.
 */
export function deadlineKeepout(dueAt: number, tickMs: number, marginMs: number): Keepout {
  return { from: dueAt - marginMs, to: Math.ceil(dueAt / tickMs) * tickMs + tickMs + marginMs };
}
