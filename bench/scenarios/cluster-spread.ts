import { usersWithTwoDevices, type Account } from '../lib/matrix.js';
import type { BenchOptions, ScenarioResult } from '../lib/scenario.js';
import { startServer, type RunningServer } from '../lib/server.js';
import { processCpuMs } from '../lib/process-cpu.js';
import { Worker } from '../lib/workers.js';
import type { HttpLoadJob, HttpLoadResult } from '../workers/http-load.js';

const WORKERS = 2;

/** A side: a server, the indexes of its processes the load goes to, and the figures of its measured slices. */
interface Side {
  name: string;
  server: RunningServer;
  targets: number[];
  workers: Array<Worker<HttpLoadJob, unknown, HttpLoadResult>>;
  requests: number;
  errors: number;
  cpuMs: number[];
}

/**
 * 3. Where a cluster's presence CPU goes: scenario 1's presence input sent to one process, and to
 * some of a cluster's processes (the owner only, one other, the others, all of them), each side in
 * turn for a slice of a second (ABBA order, after warm-up slices), so that a change in the
 * machine's speed reaches every side alike. Each cluster side is set beside the one process, with
 * every cluster process's CPU per request, which tells what the owner's apply, the forward and the
 * learning of what was published cost apart from what every process being busy at once costs.
 */
export async function clusterSpread(options: BenchOptions): Promise<ScenarioResult[]> {
  const size = options.processes ?? 3;
  const users = options.quick ? 20 : 1000;
  const warmUpPairs = options.quick ? 1 : 8;
  const pairs = options.quick ? 2 : 10;
  const sliceMs = options.quick ? 500 : 1000;
  const env = { RATE_LIMIT_PRESENCE_PER_SECOND: '100000', RATE_LIMIT_PRESENCE_BURST: '100000' };
  const single = await startServer(env, 'postgres', 1);
  // Started one after another, the first process takes the presence lease before it answers: index 0 owns.
  const cluster = await startServer(env, 'postgres', size).catch(async (error: unknown) => {
    await single.stop();
    throw error;
  });
  const sides: Side[] = [];
  try {
    const others = Array.from({ length: size - 1 }, (_, index) => index + 1);
    const plan: Array<[string, RunningServer, number[]]> = [
      ['1 process', single, [0]],
      ['the owner only', cluster, [0]],
      ['one other process only', cluster, [1]],
      ['the other processes', cluster, others],
      ['all processes', cluster, [0, ...others]],
    ];
    const devices = new Map<RunningServer, Account[]>();
    for (const server of [single, cluster]) devices.set(server, await usersWithTwoDevices(server.baseUrl, 'spread', users));
    for (const [name, server, targets] of plan) {
      const workers = Array.from(
        { length: WORKERS },
        (_, w) =>
          new Worker<HttpLoadJob, unknown, HttpLoadResult>('http-load', {
            baseUrls: targets.map((index) => server.baseUrls[index]),
            mode: 'presence',
            devices: devices.get(server)!.filter((_, n) => n % WORKERS === w),
            concurrency: 24,
            maxRequests: 1_000_000,
          }),
      );
      sides.push({ name, server, targets, workers, requests: 0, errors: 0, cpuMs: server.pids.map(() => 0) });
    }
    await Promise.all(sides.flatMap((side) => side.workers.map((worker) => worker.ready())));
    for (let pair = -warmUpPairs; pair < pairs; pair++) {
      for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) await slice(side, sliceMs, pair >= 0);
    }
    const [one, ...spread] = sides;
    const perRequest = (side: Side) => side.cpuMs.map((ms) => Math.round((ms * 1000) / Math.max(1, side.requests)));
    const oneUs = perRequest(one)[0];
    return spread.map((side) => {
      const processes = perRequest(side);
      const total = processes.reduce((sum, us) => sum + us, 0);
      return {
        scenario: `3. presence input on ${size} processes, load on ${side.name}, server CPU per request`,
        metric: 'µs/request',
        value: total,
        baselineName: '1 process, in turns with it',
        baseline: oneUs,
        ratio: total / oneUs,
        target: 'report (where the cluster’s CPU goes)',
        met: null,
        errors: side.errors + one.errors,
        details: { processes: size, load_on_name: side.name, load_on: side.targets, per_process_us_per_request: processes, requests: side.requests, one_process_requests: one.requests },
      };
    });
  } finally {
    await Promise.all(sides.flatMap((side) => side.workers.map((worker) => worker.stop().catch(() => undefined))));
    await Promise.all([single.stop(), cluster.stop()]);
  }
}

/** One slice of a side's load; a measured one adds its requests and each server process's CPU. */
async function slice(side: Side, sliceMs: number, measured: boolean): Promise<void> {
  const before = side.server.pids.map((pid) => processCpuMs(pid));
  for (const worker of side.workers) worker.start();
  await new Promise((resolve) => setTimeout(resolve, sliceMs));
  const results = await Promise.all(side.workers.map((worker) => worker.pause()));
  const after = side.server.pids.map((pid) => processCpuMs(pid));
  side.errors += results.reduce((sum, result) => sum + result.errors, 0);
  if (!measured) return;
  side.requests += results.reduce((sum, result) => sum + result.latencies.length, 0);
  side.cpuMs = side.cpuMs.map((ms, index) => ms + (after[index] ?? 0) - (before[index] ?? 0));
}
