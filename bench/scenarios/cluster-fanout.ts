import { setPresence } from '../lib/matrix.js';
import { backendsSpent, processCpuMs, sumOrNull } from '../lib/process-cpu.js';
import { describeMeasurement, type BenchOptions, type ScenarioResult } from '../lib/scenario.js';
import { startServer } from '../lib/server.js';
import { FANOUT_SERVER_ENV, followersOf, runSubscribers } from './fanout.js';

/**
 * 2. Fan-out in a cluster (`--cluster=N`): graphql-ws subscribers of `presenceChanged` spread
 * over the server processes, each followed user changing its status through one process (the
 * one its device talks to), so a change is made on one process and delivered from every one.
 * The rate is one the cluster keeps up with on two cores, so that both runs do the same work and
 * the server CPU per delivery (every process's CPU over the timed part, change requests
 * included) compares what the cluster costs, not how it falls behind.
 */
export async function clusterFanout(options: BenchOptions): Promise<ScenarioResult> {
  const subscriberCount = options.quick ? 50 : 1000;
  const rate = options.quick ? 50 : 300;
  const durationMs = options.quick ? 1000 : 10_000;
  const warmUpMs = options.quick ? 500 : 5000;
  const processes = options.processes ?? 1;
  const server = await startServer(FANOUT_SERVER_ENV, 'postgres', processes);
  try {
    const { followed, subscribers } = await followersOf(server.baseUrl, options, subscriberCount);
    const spread = subscribers.map((subscriber, n) => ({ ...subscriber, url: `${server.baseUrls[n % processes].replace('http', 'ws')}/graphql` }));
    const followers = new Map<string, number>();
    for (const { follows } of subscribers) for (const userId of follows) followers.set(userId, (followers.get(userId) ?? 0) + 1);

    let refused = 0;
    let due = 0;
    let made = 0;
    let counting = false;
    const serverCpu = () => sumOrNull(server.pids.map((pid) => processCpuMs(pid)));
    let before: { server: number | null; database: Map<number, number> } = { server: null, database: new Map() };
    let spent = { server: null as number | null, database: 0 };
    const run = await runSubscribers(
      spread,
      rate,
      durationMs,
      async (index, ts) => {
        const user = index % followed.length;
        if (counting) {
          made += 1;
          due += followers.get(followed[user].userId) ?? 0;
        }
        const status = await setPresence(server.baseUrls[user % processes], followed[user], 'online', `bench:${ts}`);
        if (status !== 200) refused += 1;
      },
      {
        warmUpMs,
        started: async () => {
          counting = true;
          before = { server: serverCpu(), database: await server.databaseCpuMs() };
        },
        stopped: async () => {
          const after = serverCpu();
          spent = { server: before.server === null || after === null ? null : after - before.server, database: backendsSpent(before.database, await server.databaseCpuMs()) };
        },
      },
    );
    const delivered = run.measurement.count;
    const perDelivery = (ms: number | null) => (ms === null || delivered === 0 ? undefined : Math.round((ms * 1000) / delivered));
    const dueRate = (due * 1000) / durationMs;
    return {
      scenario: `2. fan-out to ${subscriberCount.toLocaleString('en')} GraphQL subscribers over ${processes} process${processes === 1 ? '' : 'es'}`,
      metric: 'deliveries/s',
      value: Math.round(run.measurement.perSecond),
      baselineName: 'deliveries due at the driven rate',
      baseline: Math.round(dueRate),
      ratio: run.measurement.perSecond / dueRate,
      target: 'report (server CPU per delivery, 1 process beside the cluster)',
      met: null,
      errors: run.measurement.errors + refused,
      details: {
        processes,
        subscribers: subscriberCount,
        followed_users: followed.length,
        changes: made,
        change_rate_per_s: rate,
        warm_up_ms: warmUpMs,
        deliveries_due: due,
        graphql: {
          ...describeMeasurement(run.measurement),
          server_cpu_us_per_delivery: perDelivery(spent.server),
          database_cpu_us_per_delivery: perDelivery(spent.database),
          server_cpu_us_per_change: spent.server === null ? undefined : Math.round((spent.server * 1000) / made),
        },
      },
    };
  } finally {
    await server.stop();
  }
}
