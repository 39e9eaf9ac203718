import { inBatches, login, register, type Account } from '../lib/matrix.js';
import { describeMeasurement, type BenchOptions, type ScenarioResult } from '../lib/scenario.js';
import { startServer } from '../lib/server.js';
import { measure } from '../lib/stats.js';
import { Worker } from '../lib/workers.js';
import type { HttpLoadJob, HttpLoadResult } from '../workers/http-load.js';

/**
 * 1. Presence input: legacy PUTs (changing state) and /sync?timeout=0&set_presence from users with
 * two devices each, beside GET /account/whoami with the same tokens (the framework's own ceiling
 * with authentication), from separate client processes.
 */
export async function presenceInput(options: BenchOptions): Promise<ScenarioResult> {
  const users = options.quick ? 20 : 1000;
  const durationMs = options.quick ? 1000 : 10_000;
  const server = await startServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '100000', RATE_LIMIT_PRESENCE_BURST: '100000' });
  try {
    const names = Array.from({ length: users }, (_, n) => `input${n}`);
    const first = await inBatches(names, 16, (name) => register(server.baseUrl, name));
    const second = await inBatches(names, 16, (name) => login(server.baseUrl, name));
    const devices: Account[] = first.flatMap((account, n) => [account, second[n]]);
    const run = async (mode: HttpLoadJob['mode']) => {
      const workerCount = 2;
      const workers = Array.from(
        { length: workerCount },
        (_, w) =>
          new Worker<HttpLoadJob, unknown, HttpLoadResult>('http-load', {
            baseUrl: server.baseUrl,
            mode,
            devices: devices.filter((_, n) => n % workerCount === w),
            concurrency: 24,
            maxRequests: 1_000_000,
          }),
      );
      await Promise.all(workers.map((worker) => worker.ready()));
      for (const worker of workers) worker.start();
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      const results = await Promise.all(workers.map((worker) => worker.stop()));
      const latencies = results.flatMap((result) => result.latencies);
      const errors = results.reduce((sum, result) => sum + result.errors, 0);
      return measure(latencies, errors, Math.max(...results.map((result) => result.durationMs)));
    };
    const baseline = await run('whoami');
    const presence = await run('presence');
    const ratio = presence.perSecond / baseline.perSecond;
    return {
      scenario: '1. presence input (PUT + sync set_presence)',
      metric: 'req/s',
      value: Math.round(presence.perSecond),
      baselineName: 'GET /account/whoami',
      baseline: Math.round(baseline.perSecond),
      ratio,
      target: '≥ 0.5× baseline, 0 errors',
      met: ratio >= 0.5 && presence.errors === 0,
      errors: presence.errors + baseline.errors,
      details: { users, devices: devices.length, presence: describeMeasurement(presence), baseline: describeMeasurement(baseline) },
    };
  } finally {
    await server.stop();
  }
}
