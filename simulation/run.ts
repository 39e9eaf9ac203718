import { SingleBar, Presets } from 'cli-progress';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { ModelFigures } from '../src/simulation/measure.js';
import { FULL_GRID, modelSettings, QUICK_GRID } from '../src/simulation/models.js';
import { buildPopulation, type PopulationOptions } from '../src/simulation/population.js';
import { liveEnvironment } from '../src/simulation/live-settings.js';
import { figuresCsv, serversCsv, storageLines } from '../src/simulation/report-data.js';
import { liveCommand } from './live-command.js';
import { diurnalChart, eventsChart, federationChart, frontierChart, renderSvg, storageChart } from './charts.js';
import { reportMarkdown, type ServerCheck } from './report.js';
import { replayThroughServer } from './server-replay.js';
import type { WorkerMessage, WorkerTask } from './worker.js';

const HELP = `npm run simulate [-- options]

Replays a seeded population's day through the presence engine under each model and setting
(legacy EDUs; state events under the msc3032 and legacy policies, over a grid of settle, minimum
publish interval, idle timeout and whether currently_active lapses are written), replays a sample
through the real server to check it writes the predicted events and to measure its SQLite file,
and writes report.md, its SVG charts, figures.json, figures.csv and servers.csv.

  --users N          users in the population (default 1000; --quick 60)
  --seed N           the population's seed (default 1)
  --servers N        remote servers followers live on (default 50; --quick 8)
  --min-followers N  fewest followers a user has (default 5)
  --follower-tail X  Pareto shape of the follower count, smaller is heavier (default 1.2)
  --sample N         users replayed through the real server (default 20; --quick 3)
  --workers N        threads running settings side by side (default: one per core)
  --quick            a small population and grid, in seconds: checks the harness, not a figure
  --out DIR          where the report goes (default simulation/results/<date>/)
  --help             this text

  --live             instead: replay the population's busiest stretch over HTTP against a
                     server, with real clients (registration, /sync long-polls with set_presence,
                     typing, the MSC3032 device report, the legacy PUT, GraphQL), and check that
                     the events the server wrote match, event for event, what the in-process
                     replay predicts for the same inputs at the times they took effect; writes
                     report.md ("Live run") and live.json, and exits 1 if they did not match
  --server URL       (or --live=URL) a running server to use instead of starting the built one
                     (dist/src/main.js) on a fresh SQLite file. It must run on this machine (times
                     are compared across the two processes) with the settings --live-env prints
                     for the same --scale; the run checks those /capabilities advertises
  --live-env         print those settings (the presence timers divided by --scale) and exit
  --scale N          with --live: times run N× faster than simulated, every presence timer
                     divided by N (default 30, the most the timers' minimums allow)
  --minutes N        with --live: simulated minutes replayed (default 60; --quick 10)
                     (--users defaults to 50 with --live, 5 with --live --quick)
  --margin MS        with --live: how far each input keeps from a deadline of its user, and the
                     slack of the times compared (default 200); raise it on a loaded machine`;

const { values: args } = parseArgs({
  // `--live=URL` is `--live --server URL`.
  args: process.argv.slice(2).flatMap((arg) => (arg.startsWith('--live=') ? ['--live', '--server', arg.slice('--live='.length)] : [arg])),
  options: {
    users: { type: 'string' },
    seed: { type: 'string', default: '1' },
    servers: { type: 'string' },
    'min-followers': { type: 'string', default: '5' },
    'follower-tail': { type: 'string', default: '1.2' },
    sample: { type: 'string' },
    workers: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
    live: { type: 'boolean', default: false },
    server: { type: 'string' },
    'live-env': { type: 'boolean', default: false },
    scale: { type: 'string' },
    minutes: { type: 'string' },
    margin: { type: 'string' },
  },
});

/** A numeric option, or the process ends with a usage error. */
function numeric(name: string, value: string | undefined, fallback: number, minimum: number): number {
  const parsed = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(parsed) || parsed < minimum) {
    console.error(`simulate: --${name} must be a number ≥ ${minimum}, not ${value}\n\n${HELP}`);
    process.exit(2);
  }
  return parsed;
}

/** Runs a worker thread over its share of the settings; resolves when it has sent them all. */
function runWorker(task: WorkerTask, onMessage: (message: WorkerMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: task });
    worker.on('message', onMessage);
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`simulation worker exited with ${code}`))));
  });
}

/** The presence settings of a live run's server at --scale, or a usage error when a timer would fall below its minimum. */
function liveSettings(scale: number): Record<string, string> {
  try {
    return liveEnvironment(scale);
  } catch (error) {
    console.error(`simulate: --scale ${scale} takes a presence timer below its minimum: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}

async function live(): Promise<void> {
  const quick = args.quick;
  const scale = numeric('scale', args.scale, 30, 1);
  const environment = liveSettings(scale);
  if (args['live-env']) {
    console.log(Object.entries(environment).map(([key, value]) => `${key}=${value}`).join('\n'));
    return;
  }
  const given = process.argv.slice(2).filter((arg, index, all) => arg !== '--out' && all[index - 1] !== '--out');
  const matched = await liveCommand({
    server: args.server,
    users: Math.floor(numeric('users', args.users, quick ? 5 : 50, 1)),
    seed: Math.floor(numeric('seed', args.seed, 1, 0)),
    minutes: numeric('minutes', args.minutes, quick ? 10 : 60, 1),
    scale,
    marginMs: numeric('margin', args.margin, 200, 0),
    out: args.out ?? join('simulation', 'results', `live-${new Date().toISOString().slice(0, 10)}`),
    command: `npm run simulate -- ${given.join(' ')}`,
  }).catch((error: unknown) => {
    // A server that is not there or not set up as the run needs: said in a line, as a usage error.
    console.error(`simulate --live: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
  if (!matched) process.exitCode = 1;
}

async function main(): Promise<void> {
  if (args.help) {
    console.log(HELP);
    return;
  }
  if (args.live || args['live-env']) return live();
  const started = Date.now();
  const quick = args.quick;
  const options: PopulationOptions = {
    users: Math.floor(numeric('users', args.users, quick ? 60 : 1000, 2)),
    seed: Math.floor(numeric('seed', args.seed, 1, 0)),
    servers: Math.floor(numeric('servers', args.servers, quick ? 8 : 50, 1)),
    minFollowers: Math.floor(numeric('min-followers', args['min-followers'], 5, 1)),
    followerTailShape: numeric('follower-tail', args['follower-tail'], 1.2, 0.1),
  };
  const workers = Math.floor(numeric('workers', args.workers, availableParallelism(), 1));
  const sampleSize = Math.min(options.users, Math.floor(numeric('sample', args.sample, quick ? 3 : 20, 1)));
  const date = new Date().toISOString().slice(0, 10);
  const out = args.out ?? join('simulation', 'results', date);

  const population = buildPopulation(options);
  const settings = modelSettings(quick ? QUICK_GRID : FULL_GRID);
  const stateModels = settings.filter((setting) => setting.isDefault && setting.pacing !== null);
  const bar = new SingleBar({ format: 'simulate {bar} {percentage}% | {value}/{total} user-days | {stage}', hideCursor: true }, Presets.shades_classic);
  bar.start(settings.length * options.users + stateModels.length * sampleSize, 0, { stage: 'population' });

  const figures: ModelFigures[] = [];
  const diurnal: Array<{ model: string; hour: number; updates: number }> = [];
  await Promise.all(
    Array.from({ length: Math.min(workers, settings.length) }, (_, worker) => {
      const settingIds = settings.filter((_setting, index) => index % workers === worker).map((setting) => setting.id);
      return runWorker({ population: options, quick, settingIds }, (message) => {
        if (message.kind === 'progress') bar.increment(message.users, { stage: message.stage });
        else {
          figures.push(message.figures);
          diurnal.push(...message.diurnal);
        }
      });
    }),
  );
  // In the grid's order, whichever worker finished first.
  figures.sort((a, b) => settings.findIndex((setting) => setting.id === a.id) - settings.findIndex((setting) => setting.id === b.id));

  const sample = new Map(population.users.slice(0, sampleSize).map((user) => [user.userId, user.script]));
  const checks: ServerCheck[] = [];
  for (const setting of stateModels) {
    bar.update({ stage: `real server, ${setting.id}` });
    const result = await replayThroughServer(setting, sample, population.end);
    checks.push({ model: setting.model, settingId: setting.id, users: result.users, events: result.written.length, sqliteBytes: result.sqliteBytes, eventJsonBytes: result.eventJsonBytes, matched: result.matched, firstDifference: result.firstDifference });
    bar.increment(sampleSize);
  }
  bar.stop();

  mkdirSync(out, { recursive: true });
  const defaults = figures.filter((figure) => figure.isDefault);
  const charts = { events: 'events.svg', frontier: 'frontier.svg', storage: 'storage.svg', federation: 'federation.svg', diurnal: 'diurnal.svg' };
  const specs = {
    events: eventsChart(figures),
    frontier: frontierChart(figures),
    storage: storageChart(storageLines(figures, checks)),
    federation: federationChart(defaults),
    diurnal: diurnalChart(diurnal),
  };
  for (const [name, file] of Object.entries(charts)) writeFileSync(join(out, file), await renderSvg(specs[name as keyof typeof specs]));
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`;
  const seconds = (Date.now() - started) / 1000;
  // The process's CPU time, every thread's: what the run costs on a machine shared with others.
  const { user, system } = process.cpuUsage();
  const cpuSeconds = (user + system) / 1e6;
  const given = process.argv.slice(2).filter((arg, index, all) => arg !== '--out' && all[index - 1] !== '--out');
  const command = given.length === 0 ? 'npm run simulate' : `npm run simulate -- ${given.join(' ')}`;
  const run = { date, machine, command, seconds, cpuSeconds, ...options, quick };
  writeFileSync(join(out, 'report.md'), reportMarkdown(run, figures, checks, charts));
  // Every server's traffic is kept for the defaults only (servers.csv); the other settings keep their means.
  const compact = figures.map((figure) => (figure.isDefault ? figure : { ...figure, federation: { ...figure.federation, perServer: [] } }));
  writeFileSync(join(out, 'figures.json'), JSON.stringify({ run, checks, figures: compact }, null, 1) + '\n');
  writeFileSync(join(out, 'figures.csv'), figuresCsv(figures));
  writeFileSync(join(out, 'servers.csv'), serversCsv(defaults));

  const of = (model: string) => defaults.find((figure) => figure.model === model);
  const matched = checks.every((check) => check.matched);
  console.log(
    `simulate: ${options.users} users × ${settings.length} settings in ${seconds.toFixed(0)} s; defaults: msc3032 ${of('pdu-msc3032')?.updatesPerActiveUserHour.toFixed(1)} events/active user-hour (lag p95 ${of('pdu-msc3032')?.lagP95.toFixed(0)} s), legacy policy ${of('pdu-legacy')?.updatesPerActiveUserHour.toFixed(1)}, legacy EDUs ${of('edu-legacy')?.updatesPerActiveUserHour.toFixed(1)}; real server matched the replay: ${matched ? 'yes' : 'NO'}; report: ${join(out, 'report.md')}`,
  );
  if (!matched) process.exitCode = 1;
}

await main();
