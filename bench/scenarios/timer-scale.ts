import type { BenchOptions, ScenarioResult } from '../lib/scenario.js';
import { Worker } from '../lib/workers.js';
import type { TimerScaleResult } from '../workers/timer-scale.js';

/** 5. Scale of the timer structure, measured in a fresh process with an exposed GC. */
export async function timerScale(options: BenchOptions): Promise<ScenarioResult> {
  const users = options.quick ? 1000 : 100_000;
  const worker = new Worker<{ users: number }, TimerScaleResult, TimerScaleResult>('timer-scale', { users }, ['--expose-gc']);
  const result = await worker.ready();
  await worker.stop();
  const kib = result.bytesPerUser / 1024;
  return {
    scenario: `5. timer structure with ${users.toLocaleString('en')} tracked users`,
    metric: 'KiB per user / ms per sweep',
    value: Math.round(kib * 100) / 100,
    baselineName: 'bare Map of the same IDs / full scan',
    baseline: Math.round((result.baselineBytesPerUser / 1024) * 100) / 100,
    ratio: result.bytesPerUser / result.baselineBytesPerUser,
    target: '≤ 2 KiB per user, ≤ 10 ms per sweep',
    met: kib <= 2 && result.sweepMs <= 10,
    errors: 0,
    details: {
      users,
      bytes_per_user: Math.round(result.bytesPerUser),
      baseline_bytes_per_user: Math.round(result.baselineBytesPerUser),
      sweep_ms: Math.round(result.sweepMs * 100) / 100,
      users_due_in_sweep: result.dueInSweep,
      full_scan_ms: Math.round(result.fullScanMs * 100) / 100,
    },
  };
}
