import { seededRandom } from '../../src/presence/simulation/day-script.js';
import { inBatches, register, setPresence, type Account } from '../lib/matrix.js';
import { describeMeasurement, type BenchOptions, type ScenarioResult } from '../lib/scenario.js';
import { startServer } from '../lib/server.js';
import { measure, type Measurement } from '../lib/stats.js';
import { Worker } from '../lib/workers.js';
import type { SubscribersJob, SubscribersResult } from '../workers/subscribers.js';

const SUBSCRIBER_PROCESSES = 4;
const FOLLOWS_PER_SUBSCRIBER = 10;

interface FanoutRun {
  measurement: Measurement;
  sampleMessageBytes: number;
  changes: number;
}

/**
 * Drives `rate` changes a second for `durationMs`, each through `change(index, timestamp)`.
 * Bounded in time as well as count: a server that falls behind gets fewer changes, not a longer run.
 */
async function drive(rate: number, durationMs: number, change: (index: number, ts: number) => Promise<unknown> | void): Promise<number> {
  const total = Math.floor((rate * durationMs) / 1000);
  const start = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < total && Date.now() < start + durationMs) {
        const index = next++;
        const due = start + (index * 1000) / rate;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        await change(index, Date.now());
      }
    }),
  );
  return total;
}

/** What a fan-out run measures around its timed part (CPU readings), each called once. */
export interface RunHooks {
  /** Changes driven before the deliveries are counted, so the server's JIT has compiled the paths (ms). */
  warmUpMs?: number;
  started?: () => Promise<void> | void;
  stopped?: () => Promise<void> | void;
}

export async function runSubscribers(
  subscribers: SubscribersJob['subscribers'],
  rate: number,
  durationMs: number,
  change: (index: number, ts: number) => Promise<unknown> | void,
  hooks: RunHooks = {},
): Promise<FanoutRun> {
  const workers = Array.from(
    { length: SUBSCRIBER_PROCESSES },
    (_, w) => new Worker<SubscribersJob, { connected: number; errors: number }, SubscribersResult>('subscribers', { subscribers: subscribers.filter((_, n) => n % SUBSCRIBER_PROCESSES === w) }),
  );
  const ready = await Promise.all(workers.map((worker) => worker.ready()));
  if (hooks.warmUpMs) await drive(rate, hooks.warmUpMs, change);
  await hooks.started?.();
  for (const worker of workers) worker.start();
  const started = Date.now();
  const changes = await drive(rate, durationMs, change);
  const elapsed = Date.now() - started;
  // Deliveries still queued after a short grace period are not counted: the rate is what arrived in time.
  const results = await Promise.all(workers.map((worker) => worker.stop()));
  await hooks.stopped?.();
  const errors = ready.reduce((sum, one) => sum + one.errors, 0) + results.reduce((sum, one) => sum + one.errors, 0);
  return {
    measurement: measure(results.flatMap((result) => result.latencies), errors, elapsed),
    sampleMessageBytes: Math.max(...results.map((result) => result.sampleMessageBytes)),
    changes,
  };
}

/** The followed users, and `subscriberCount` subscribers (on 100 viewer accounts) following 10 of them each. */
export async function followersOf(
  baseUrl: string,
  options: BenchOptions,
  subscriberCount: number,
): Promise<{ followed: Account[]; subscribers: Array<{ token: string; follows: string[] }> }> {
  const followedCount = options.quick ? 20 : 1000;
  const watcherCount = options.quick ? 5 : 100;
  const followed = await inBatches(
    Array.from({ length: followedCount }, (_, n) => `followed${n}`),
    16,
    (name) => register(baseUrl, name),
  );
  const watchers: Account[] = await inBatches(
    Array.from({ length: watcherCount }, (_, n) => `watcher${n}`),
    16,
    (name) => register(baseUrl, name),
  );
  const random = seededRandom(subscriberCount);
  const subscribers = Array.from({ length: subscriberCount }, (_, n) => ({
    token: watchers[n % watchers.length].accessToken,
    follows: Array.from({ length: FOLLOWS_PER_SUBSCRIBER }, () => followed[Math.floor(random() * followed.length)].userId).filter(
      (id, index, all) => all.indexOf(id) === index,
    ),
  }));
  return { followed, subscribers };
}

/** Settings of the server a fan-out runs against: public profiles, and no presence rate limit in the way. */
export const FANOUT_SERVER_ENV = {
  PROFILE_DEFAULT_VISIBILITY: 'public',
  RATE_LIMIT_PRESENCE_PER_SECOND: '100000',
  RATE_LIMIT_PRESENCE_BURST: '100000',
};

/**
 * 2. Fan-out to GraphQL subscribers: subscribers each following 10 users' presenceChanged while
 * changes are driven at a fixed rate; deliveries/s and latency from the change request to the
 * delivery. Baseline: a bare `ws` server broadcasting payloads of the same size to the same
 * graphql-ws clients in the same pattern, driven by the same PUT requests.
 */
export async function fanout(options: BenchOptions, subscriberCount: number): Promise<ScenarioResult> {
  const rate = options.quick ? 100 : 1000;
  const durationMs = options.quick ? 1000 : 10_000;
  const server = await startServer(FANOUT_SERVER_ENV, options.database);
  try {
    const { followed, subscribers } = await followersOf(server.baseUrl, options, subscriberCount);
    const graphqlUrl = `${server.baseUrl.replace('http', 'ws')}/graphql`;

    let refused = 0;
    const real = await runSubscribers(subscribers.map((subscriber) => ({ ...subscriber, url: graphqlUrl })), rate, durationMs, async (index, ts) => {
      const status = await setPresence(server.baseUrl, followed[index % followed.length], 'online', `bench:${ts}`);
      if (status !== 200) refused += 1;
    });

    const broadcaster = new Worker<{ payloadBytes: number }, { port: number }, { sent: number }>('baseline-broadcaster', {
      payloadBytes: real.sampleMessageBytes || 200,
    });
    const { port } = await broadcaster.ready();
    broadcaster.start();
    const baseline = await runSubscribers(subscribers.map((subscriber) => ({ ...subscriber, url: `ws://127.0.0.1:${port}` })), rate, durationMs, async (index, ts) => {
      const status = await setPresence(`http://127.0.0.1:${port}`, followed[index % followed.length], 'online', `bench:${ts}`);
      if (status !== 200) refused += 1;
    });
    await broadcaster.stop();

    const ratio = real.measurement.perSecond / baseline.measurement.perSecond;
    const p99Target = subscriberCount <= 1000 ? real.measurement.p99Ms < 100 : true;
    return {
      scenario: `2. fan-out to ${subscriberCount.toLocaleString('en')} GraphQL subscribers`,
      metric: 'deliveries/s',
      value: Math.round(real.measurement.perSecond),
      baselineName: 'bare ws broadcast',
      baseline: Math.round(baseline.measurement.perSecond),
      ratio,
      target: subscriberCount <= 1000 ? '≥ 0.7× baseline, p99 < 100 ms' : '≥ 0.7× baseline',
      met: ratio >= 0.7 && p99Target && real.measurement.errors === 0 && refused === 0,
      errors: real.measurement.errors + refused,
      details: {
        subscribers: subscriberCount,
        followed_users: followed.length,
        changes: real.changes,
        change_rate_per_s: rate,
        message_bytes: real.sampleMessageBytes,
        graphql: describeMeasurement(real.measurement),
        baseline: describeMeasurement(baseline.measurement),
      },
    };
  } finally {
    await server.stop();
  }
}
