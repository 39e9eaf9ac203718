import { SingleBar, Presets } from 'cli-progress';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../bench/lib/server.js';
import { busiestWindow, liveOperations } from '../src/simulation/live-script.js';
import { liveEnvironment, liveServerSettings } from '../src/simulation/live-settings.js';
import { buildPopulation } from '../src/simulation/population.js';
import { liveReportMarkdown } from './live-report.js';
import { runLive, serving } from './live-run.js';

export interface LiveCommandOptions {
  /** A running server's base URL, or undefined to start the built server. */
  server: string | undefined;
  users: number;
  seed: number;
  minutes: number;
  scale: number;
  marginMs: number;
  out: string;
  command: string;
}

/**
 * `npm run simulate -- --live`: the population's busiest window replayed over HTTP against a
 * server (started here on a fresh SQLite file unless one is named), compared with the replay;
 * writes report.md and live.json. Resolves with whether they matched.
 */
export async function liveCommand(options: LiveCommandOptions): Promise<boolean> {
  const started = Date.now();
  const environment = liveEnvironment(options.scale);
  const server = liveServerSettings(environment);
  const population = buildPopulation({ users: options.users, seed: options.seed, servers: 1, minFollowers: 1, followerTailShape: 1.2 });
  const window = busiestWindow(
    population.users.map((user) => user.script),
    options.minutes * 60_000,
  );
  const plans = population.users.map((user) => liveOperations(user.script, window, options.scale)).filter((plan) => plan.length > 0);
  if (plans.length === 0) throw new Error('no user of the population does anything in the window');

  let running: RunningServer | null = null;
  if (options.server === undefined) running = await startServer(environment);
  else if (!(await serving(options.server))) throw new Error(`no server answers at ${options.server}`);
  const baseUrl = running?.baseUrl ?? options.server!;
  const bar = new SingleBar({ format: 'simulate --live {bar} {percentage}% | {value}/{total} requests', hideCursor: true }, Presets.shades_classic);
  try {
    bar.start(plans.reduce((sum, plan) => sum + plan.length, 0), 0);
    const result = await runLive({ baseUrl, server, plans, marginMs: options.marginMs, progress: (done) => bar.update(done) });
    bar.stop();
    const info = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`,
      command: options.command,
      seconds: (Date.now() - started) / 1000,
      seed: options.seed,
      minutes: options.minutes,
      scale: options.scale,
      windowStart: window.start,
      startedServer: running !== null,
      environment,
    };
    mkdirSync(options.out, { recursive: true });
    writeFileSync(join(options.out, 'report.md'), liveReportMarkdown(info, result));
    writeFileSync(join(options.out, 'live.json'), JSON.stringify({ run: info, result }, null, 1) + '\n');
    const { matched } = result.comparison;
    console.log(
      `simulate --live: ${result.users} users, ${options.minutes} simulated minutes at ${options.scale}× against ${baseUrl}; ${result.written.length} events written, ${result.predicted.length} predicted; matched the replay: ${matched ? 'yes' : 'NO'}; report: ${join(options.out, 'report.md')}`,
    );
    return matched;
  } finally {
    bar.stop();
    await running?.stop();
  }
}
