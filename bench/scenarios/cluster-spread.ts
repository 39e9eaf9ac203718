import { usersWithTwoDevices, type Account } from '../lib/matrix.js';
import type { BenchOptions, ScenarioResult } from '../lib/scenario.js';
import { startSeparateServers, startServer, type RunningServer } from '../lib/server.js';
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

/** What a side's load is: where it goes, by how many requests at once per client process, from which devices. */
interface Load {
  name: string;
  server: RunningServer;
  targets: number[];
  concurrency: number;
  /** The devices of client process `worker`; device n of them goes to target n % targets. */
  devices: (worker: number) => Account[];
}

const CONCURRENCY = 24;

/**
 * 3. Where a cluster's presence CPU goes: scenario 1's presence input sent to one process, and to
 * some of a cluster's processes (the owner only, one other, the others, all of them), each side in
 * turn for a slice of a second (ABBA order, after warm-up slices), so that a change in the
 * machine's speed reaches every side alike. Each cluster side is set beside the one process, with
 * every cluster process's CPU per request, which tells what the owner's apply, the forward and the
 * learning of what was published cost apart from what every process being busy at once costs.
 *
 * Two controls tell the machine's part from the cluster's: one process with 1/N of the load (a
 * process less busy spends more per request), and N separate one-process servers sharing nothing
 * (each on its own database, no Redis) with the load spread as over the cluster: N busy processes
 * on the same cores with no coordination at all. The cluster beside them is coordination alone.
 */
export async function clusterSpread(options: BenchOptions): Promise<ScenarioResult[]> {
  const size = options.processes ?? 3;
  const users = options.quick ? 20 : 1000;
  const warmUpPairs = options.quick ? 1 : 8;
  const pairs = options.quick ? 2 : 10;
  const sliceMs = options.quick ? 500 : 1000;
  const env = { RATE_LIMIT_PRESENCE_PER_SECOND: '100000', RATE_LIMIT_PRESENCE_BURST: '100000' };
  const started: RunningServer[] = [];
  const sides: Side[] = [];
  try {
    started.push(await startServer(env, 'postgres', 1));
    // Started one after another, the first process takes the presence lease before it answers: index 0 owns.
    started.push(await startServer(env, 'postgres', size));
    started.push(await startSeparateServers(env, 'postgres', size));
    const [single, cluster, separate] = started;
    const ofWorker = (devices: Account[]) => (worker: number) => devices.filter((_, n) => n % WORKERS === worker);
    const [singleDevices, clusterDevices] = [await usersWithTwoDevices(single.baseUrl, 'spread', users), await usersWithTwoDevices(cluster.baseUrl, 'spread', users)];
    const separateDevices: Account[][] = [];
    for (const baseUrl of separate.baseUrls) separateDevices.push(await usersWithTwoDevices(baseUrl, 'spread', Math.ceil(users / size)));
    const all = Array.from({ length: size }, (_, index) => index);
    const rest = all.slice(1);
    const loads: Load[] = [
      { name: '1 process', server: single, targets: [0], concurrency: CONCURRENCY, devices: ofWorker(singleDevices) },
      { name: 'the owner only', server: cluster, targets: [0], concurrency: CONCURRENCY, devices: ofWorker(clusterDevices) },
      { name: 'one other process only', server: cluster, targets: [1], concurrency: CONCURRENCY, devices: ofWorker(clusterDevices) },
      // With two processes, the other processes are the one other.
      ...(rest.length > 1 ? [{ name: 'the other processes', server: cluster, targets: rest, concurrency: CONCURRENCY, devices: ofWorker(clusterDevices) }] : []),
      { name: 'all processes', server: cluster, targets: all, concurrency: CONCURRENCY, devices: ofWorker(clusterDevices) },
      { name: `1 process, 1/${size} of the load`, server: single, targets: [0], concurrency: Math.round(CONCURRENCY / size), devices: ofWorker(singleDevices) },
      // Every server registered as many users, so device n of the interleaved list is server n % size's.
      { name: `${size} separate processes, nothing shared`, server: separate, targets: all, concurrency: CONCURRENCY, devices: (worker) => interleave(separateDevices.map(ofWorker).map((of) => of(worker))) },
    ];
    for (const load of loads) {
      const workers = Array.from(
        { length: WORKERS },
        (_, w) =>
          new Worker<HttpLoadJob, unknown, HttpLoadResult>('http-load', {
            baseUrls: load.targets.map((index) => load.server.baseUrls[index]),
            mode: 'presence',
            devices: load.devices(w),
            concurrency: load.concurrency,
            maxRequests: 1_000_000,
          }),
      );
      sides.push({ name: load.name, server: load.server, targets: load.targets, workers, requests: 0, errors: 0, cpuMs: load.server.pids.map(() => 0) });
    }
    await Promise.all(sides.flatMap((side) => side.workers.map((worker) => worker.ready())));
    for (let pair = -warmUpPairs; pair < pairs; pair++) {
      for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) await slice(side, sliceMs, pair >= 0);
    }
    const [one, ...spread] = sides;
    const [lessLoaded, apart] = spread.splice(-2);
    const everywhere = spread.at(-1)!;
    return [
      ...spread.map((side) => beside(side, one, `3. presence input on ${size} processes, load on ${side.name}`, size)),
      beside(lessLoaded, one, `3. control: presence input on 1 process with 1/${size} of the load`, size),
      beside(apart, one, `3. control: presence input on ${size} separate processes sharing nothing`, size),
      beside(everywhere, apart, `3. presence input on ${size} processes, load on all, beside ${size} separate ones: coordination alone`, size),
    ];
  } finally {
    await Promise.all(sides.flatMap((side) => side.workers.map((worker) => worker.stop().catch(() => undefined))));
    await Promise.all(started.map((server) => server.stop()));
  }
}

/** A side's server CPU per request (every process of it) beside another side's. */
function beside(side: Side, other: Side, scenario: string, size: number): ScenarioResult {
  const perProcess = perRequest(side);
  const total = perProcess.reduce((sum, us) => sum + us, 0);
  const baseline = perRequest(other).reduce((sum, us) => sum + us, 0);
  return {
    scenario: `${scenario}, server CPU per request`,
    metric: 'µs/request',
    value: total,
    baselineName: `${other.name}, in turns with it`,
    baseline,
    ratio: total / baseline,
    target: 'report (where the cluster’s CPU goes)',
    met: null,
    errors: side.errors + other.errors,
    details: { processes: size, load_on_name: side.name, beside_name: other.name, load_on: side.targets, per_process_us_per_request: perProcess, requests: side.requests, beside_requests: other.requests },
  };
}

function perRequest(side: Side): number[] {
  return side.cpuMs.map((ms) => Math.round((ms * 1000) / Math.max(1, side.requests)));
}

/** One list of several of equal length, item n from list n % lists. */
function interleave<T>(lists: T[][]): T[] {
  return lists[0].flatMap((_, index) => lists.map((list) => list[index]));
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
