import { call, createRoom, inBatches, join, register, setPresence, type Account } from '../lib/matrix.js';
import { describeMeasurement, type BenchOptions, type ScenarioResult } from '../lib/scenario.js';
import { startServer } from '../lib/server.js';
import { measure, type Measurement } from '../lib/stats.js';
import { Worker } from '../lib/workers.js';
import type { LongPollersJob } from '../workers/long-pollers.js';

const POLLER_PROCESSES = 2;

/**
 * 3. Legacy long-poll wake-ups: /sync long-pollers sharing rooms with users whose presence
 * changes; latency from the change request to the poll returning it. Baseline: the same pollers
 * woken by a plain room message from the same users.
 */
export async function longPoll(options: BenchOptions): Promise<ScenarioResult> {
  const pollerCount = options.quick ? 20 : 2000;
  const roomCount = options.quick ? 2 : 20;
  const changesPerChanger = options.quick ? 3 : 10;
  const server = await startServer({ RATE_LIMIT_PRESENCE_PER_SECOND: '100000', RATE_LIMIT_PRESENCE_BURST: '100000' }, options.database);
  try {
    const changers = await inBatches(Array.from({ length: roomCount }, (_, n) => `changer${n}`), 8, (name) => register(server.baseUrl, name));
    const rooms = await inBatches(changers, 8, (changer) => createRoom(server.baseUrl, changer));
    const pollers: Account[] = await inBatches(Array.from({ length: pollerCount }, (_, n) => `poller${n}`), 16, async (name, n) => {
      const account = await register(server.baseUrl, name);
      await join(server.baseUrl, account, rooms[n % rooms.length]);
      return account;
    });

    const run = async (watch: LongPollersJob['watch']): Promise<Measurement> => {
      const workers = Array.from(
        { length: POLLER_PROCESSES },
        (_, w) => new Worker<LongPollersJob, unknown, { latencies: number[]; errors: number }>('long-pollers', { baseUrl: server.baseUrl, pollers: pollers.filter((_, n) => n % POLLER_PROCESSES === w), watch }),
      );
      await Promise.all(workers.map((worker) => worker.ready()));
      for (const worker of workers) worker.start();
      // Let every poller settle into its long-poll first.
      await new Promise((resolve) => setTimeout(resolve, options.quick ? 300 : 2000));
      const started = Date.now();
      let refused = 0;
      for (let round = 0; round < changesPerChanger; round += 1) {
        await Promise.all(
          changers.map(async (changer, n) => {
            const marker = `bench:${Date.now()}`;
            const status =
              watch === 'presence'
                ? await setPresence(server.baseUrl, changer, round % 2 === 0 ? 'online' : 'unavailable', marker)
                : (await call(server.baseUrl, 'PUT', `/rooms/${encodeURIComponent(rooms[n])}/send/m.room.message/${watch}-${round}`, changer.accessToken, { msgtype: 'm.text', body: marker })).status;
            if (status !== 200) refused += 1;
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const results = await Promise.all(workers.map((worker) => worker.stop()));
      const errors = refused + results.reduce((sum, result) => sum + result.errors, 0);
      return measure(results.flatMap((result) => result.latencies), errors, Date.now() - started);
    };
    const baseline = await run('message');
    const presence = await run('presence');
    return {
      scenario: `3. legacy /sync long-poll wake-ups (${pollerCount.toLocaleString('en')} pollers)`,
      metric: 'p99 ms',
      value: Math.round(presence.p99Ms * 10) / 10,
      baselineName: 'same pollers woken by a room message',
      baseline: Math.round(baseline.p99Ms * 10) / 10,
      ratio: presence.p99Ms / baseline.p99Ms,
      target: 'report (p50/p99 beside the message wake-up)',
      met: presence.errors === 0 && presence.count > 0,
      errors: presence.errors + baseline.errors,
      details: { pollers: pollerCount, rooms: roomCount, presence: describeMeasurement(presence), baseline: describeMeasurement(baseline) },
    };
  } finally {
    await server.stop();
  }
}
