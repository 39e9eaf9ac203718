import { msc3032Policy } from '../../src/presence/core/msc3032.policy.js';
import { EMPTY_INPUTS } from '../../src/presence/core/presence-model.js';
import { DEFAULT_SETTINGS } from '../../src/presence/core/presence-scenario.js';
import { TimerWheel } from '../../src/presence/timer-wheel.js';
import { TrackedPresence } from '../../src/presence/tracked-presence.js';
import { serveJob } from '../lib/worker-side.js';

/**
 * 5. The engine's in-memory state at scale, built as the engine builds it (inputs through the
 * policy, one TimerWheel entry per user): heap per tracked user, and the time of one sweep.
 * Baselines: the same user IDs in a bare Map (the floor), and a sweep that scans every user.
 */
const SWEEPS = 15;
const gc = (globalThis as { gc?: () => void }).gc!;

function heap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

export interface TimerScaleResult {
  users: number;
  bytesPerUser: number;
  baselineBytesPerUser: number;
  sweepMs: number;
  dueInSweep: number;
  fullScanMs: number;
}

function measureScale(count: number): TimerScaleResult {
  const start = 1_700_000_000_000;
  const ids = Array.from({ length: count }, (_, n) => `@user${n}:example.org`);

  const floorBefore = heap();
  const floor = new Map<string, object>(ids.map((id) => [id, {}]));
  const floorBytes = (heap() - floorBefore) / count;

  const before = heap();
  const users = new Map<string, TrackedPresence>();
  const wheel = new TimerWheel<TrackedPresence>(1000, start);
  ids.forEach((id, n) => {
    // Two devices each, their last syncs spread over the sync timeout.
    const now = start + (n % 30_000);
    let inputs = msc3032Policy.apply(EMPTY_INPUTS, { kind: 'sync', deviceId: 'LAPTOPDEVICE', state: 'online' }, now, DEFAULT_SETTINGS);
    inputs = msc3032Policy.apply(inputs, { kind: 'sync', deviceId: 'PHONEDEVICE', state: 'unavailable' }, now, DEFAULT_SETTINGS);
    const evaluation = msc3032Policy.evaluate(inputs, now, DEFAULT_SETTINGS);
    const tracked = new TrackedPresence(id, inputs, evaluation.forOthers);
    // The engine keeps each user's last evaluation too.
    Object.assign(tracked, { evaluation, evaluatedInputs: inputs, evaluatedAt: now });
    users.set(id, tracked);
    if (evaluation.nextChangeAt !== null) wheel.schedule(tracked, evaluation.nextChangeAt);
  });
  const bytesPerUser = (heap() - before) / count;

  // Users whose first timer (currently_active ending, a minute after their sync) falls in one
  // second-long slot: about one in thirty, as when syncs are spread over the sync timeout. Fifteen
  // consecutive sweeps, as a running server makes one a second; a median is reported, as the
  // first ones pay for JIT warm-up and any one may meet a garbage collection.
  let tickAt = start + DEFAULT_SETTINGS.lastActiveGranularityMs;
  wheel.takeDue(tickAt);
  const sweeps: Array<{ ms: number; due: number }> = [];
  for (let sweep = 0; sweep < SWEEPS; sweep += 1) {
    tickAt += 1000;
    const sweepStart = performance.now();
    const due = wheel.takeDue(tickAt);
    for (const tracked of due) {
      const evaluation = msc3032Policy.evaluate(tracked.inputs, tickAt, DEFAULT_SETTINGS);
      tracked.published = evaluation.forOthers;
      if (evaluation.nextChangeAt !== null) wheel.schedule(tracked, evaluation.nextChangeAt);
    }
    sweeps.push({ ms: performance.now() - sweepStart, due: due.length });
  }
  // The first ten slots hold 4,000 users each, the later ones 3,000: the median of the fullest.
  const fullest = Math.max(...sweeps.map((sweep) => sweep.due));
  const counted = sweeps.filter((sweep) => sweep.due === fullest).sort((a, b) => a.ms - b.ms);
  const { ms: sweepMs, due: dueInSweep } = counted[Math.floor(counted.length / 2)];

  const scanStart = performance.now();
  let changed = 0;
  for (const tracked of users.values()) {
    if (msc3032Policy.evaluate(tracked.inputs, tickAt, DEFAULT_SETTINGS).nextChangeAt === tickAt) changed += 1;
  }
  const fullScanMs = performance.now() - scanStart;
  void changed;
  void floor.size;
  return { users: count, bytesPerUser, baselineBytesPerUser: floorBytes, sweepMs, dueInSweep, fullScanMs };
}

serveJob<{ users: number }, TimerScaleResult, TimerScaleResult>({
  async setup(job) {
    result = measureScale(job.users);
    return result;
  },
  run() {},
  async stop() {
    return result!;
  },
});

let result: TimerScaleResult | undefined;
