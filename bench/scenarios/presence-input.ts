import { usersWithTwoDevices, type Account } from '../lib/matrix.js';
import { describeMeasurement, type BenchOptions, type ScenarioResult } from '../lib/scenario.js';
import { startServer, type BenchDatabase, type RunningServer } from '../lib/server.js';
import { backendsSpent, processCpuMs, sumOrNull } from '../lib/process-cpu.js';
import { measure, type Measurement } from '../lib/stats.js';
import { Worker } from '../lib/workers.js';
import type { HttpLoadJob, HttpLoadResult } from '../workers/http-load.js';

const WORKERS = 2;
type Side = HttpLoadJob['mode'];

/**
 * CPU time used during a side's slices (ms; null without /proc), to tell the server's cost from
 * the clients', and from the PostgreSQL backends' (0 on SQLite, which works inside the server).
 */
interface SideCpu {
  server: number | null;
  clients: number | null;
  database: number;
}

/**
 * 1. Presence input: legacy PUTs (changing state) and /sync?timeout=0&set_presence from users with
 * two devices each, beside GET /account/whoami with the same tokens (the framework's own ceiling
 * with authentication), from separate client processes.
 */
export async function presenceInput(options: BenchOptions): Promise<ScenarioResult> {
  const users = options.quick ? 20 : 1000;
  // Each side runs pairs × sliceMs measured (10 s in the full run), after warm-up slices: the
  // server's JIT compiles the presence paths for about 8 s of this load, on the shared cores.
  const warmUpPairs = options.quick ? 1 : 8;
  const pairs = options.quick ? 2 : 10;
  const sliceMs = options.quick ? 500 : 1000;
  const processes = options.processes ?? 1;
  const server = await startServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '100000', RATE_LIMIT_PRESENCE_BURST: '100000' }, options.database, processes);
  try {
    const devices = await usersWithTwoDevices(server.baseUrl, 'input', users);
    const { measurements, cpu } = await inTurns(server, devices, { warmUpPairs, pairs, sliceMs });
    const { whoami: baseline, presence } = measurements;
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
      details: {
        users,
        devices: devices.length,
        processes,
        warm_up_slices: warmUpPairs,
        slices: pairs,
        slice_ms: sliceMs,
        presence: { ...describeMeasurement(presence), ...cpuPerRequest(cpu.presence, presence, options.database) },
        baseline: { ...describeMeasurement(baseline), ...cpuPerRequest(cpu.whoami, baseline, options.database) },
      },
    };
  } finally {
    await server.stop();
  }
}

/**
 * Baseline and presence load take turns in short slices, in ABBA order, so that a change in the
 * machine's speed during the run (other tenants of a VM) reaches both sides alike. Each side has
 * its own client processes, idle while the other side runs. The first `warmUpPairs` pairs are
 * not counted: what is measured is the server once its code is compiled, as it runs for days.
 */
async function inTurns(
  server: RunningServer,
  devices: Account[],
  { warmUpPairs, pairs, sliceMs }: { warmUpPairs: number; pairs: number; sliceMs: number },
): Promise<{ measurements: Record<Side, Measurement>; cpu: Record<Side, SideCpu> }> {
  const workersFor = (mode: Side) =>
    Array.from(
      { length: WORKERS },
      (_, w) =>
        new Worker<HttpLoadJob, unknown, HttpLoadResult>('http-load', {
          baseUrls: server.baseUrls,
          mode,
          devices: devices.filter((_, n) => n % WORKERS === w),
          concurrency: 24,
          maxRequests: 1_000_000,
        }),
    );
  const sides: Record<Side, Array<Worker<HttpLoadJob, unknown, HttpLoadResult>>> = { whoami: workersFor('whoami'), presence: workersFor('presence') };
  const all = [...sides.whoami, ...sides.presence];
  try {
    await Promise.all(all.map((worker) => worker.ready()));
    const slices: Record<Side, HttpLoadResult[][]> = { whoami: [], presence: [] };
    const warmUpErrors: Record<Side, number> = { whoami: 0, presence: 0 };
    const cpu: Record<Side, SideCpu> = { whoami: { server: 0, clients: 0, database: 0 }, presence: { server: 0, clients: 0, database: 0 } };
    // Every server process's CPU together.
    const serverCpu = () => sumOrNull(server.pids.map((pid) => processCpuMs(pid)));
    const clientsCpu = (side: Side) => sumOrNull(sides[side].map((worker) => processCpuMs(worker.pid)));
    for (let pair = -warmUpPairs; pair < pairs; pair++) {
      const order: Side[] = pair % 2 === 0 ? ['whoami', 'presence'] : ['presence', 'whoami'];
      for (const side of order) {
        // Warm-up slices (pair < 0) read no CPU times.
        const before = pair >= 0 ? { server: serverCpu(), clients: clientsCpu(side), database: await server.databaseCpuMs() } : null;
        for (const worker of sides[side]) worker.start();
        await new Promise((resolve) => setTimeout(resolve, sliceMs));
        const results = await Promise.all(sides[side].map((worker) => worker.pause()));
        if (!before) {
          // Not timed, but an error while warming up is still an error.
          warmUpErrors[side] += results.reduce((sum, result) => sum + result.errors, 0);
          continue;
        }
        slices[side].push(results);
        const after = { server: serverCpu(), clients: clientsCpu(side), database: await server.databaseCpuMs() };
        cpu[side] = {
          server: addSpent(cpu[side].server, before.server, after.server),
          clients: addSpent(cpu[side].clients, before.clients, after.clients),
          database: cpu[side].database + backendsSpent(before.database, after.database),
        };
      }
    }
    return { measurements: { whoami: combine(slices.whoami, warmUpErrors.whoami), presence: combine(slices.presence, warmUpErrors.presence) }, cpu };
  } finally {
    for (const worker of all) worker.kill();
  }
}

/** One measurement from the measured slices of a side (a slice lasts as long as its slowest worker ran), with every error. */
function combine(slices: HttpLoadResult[][], warmUpErrors: number): Measurement {
  const results = slices.flat();
  return measure(
    results.flatMap((result) => result.latencies),
    warmUpErrors + results.reduce((sum, result) => sum + result.errors, 0),
    slices.reduce((sum, slice) => sum + Math.max(...slice.map((result) => result.durationMs)), 0),
  );
}

function addSpent(total: number | null, before: number | null, after: number | null): number | null {
  return total === null || before === null || after === null ? null : total + after - before;
}

/**
 * CPU per answered request, in µs: the server's (which the ratio is about), the client
 * processes', and on PostgreSQL its backends'.
 */
function cpuPerRequest(cpu: SideCpu, measurement: Measurement, database: BenchDatabase): Record<string, number> {
  if (cpu.server === null || cpu.clients === null || measurement.count === 0) return {};
  return {
    server_cpu_us_per_request: Math.round((cpu.server * 1000) / measurement.count),
    clients_cpu_us_per_request: Math.round((cpu.clients * 1000) / measurement.count),
    ...(database === 'postgres' ? { database_cpu_us_per_request: Math.round((cpu.database * 1000) / measurement.count) } : {}),
  };
}
