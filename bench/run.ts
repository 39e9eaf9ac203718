import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { clusterFanout } from './scenarios/cluster-fanout.js';
import { clusterSpread } from './scenarios/cluster-spread.js';
import { eventsWritten } from './scenarios/events-written.js';
import { fanout } from './scenarios/fanout.js';
import { longPoll } from './scenarios/long-poll.js';
import { presenceInput } from './scenarios/presence-input.js';
import { timerScale } from './scenarios/timer-scale.js';
import type { BenchOptions, ScenarioResult } from './lib/scenario.js';
import type { BenchDatabase } from './lib/server.js';

/**
 * `npm run bench [-- --quick]`: starts the built server as a separate process per scenario, drives
 * it from separate client processes on loopback, and prints one table of figures beside
 * baselines measured in the same run (also written to bench/results/latest.json and .md).
 * --quick runs every scenario at a toy size in seconds: it checks the harness, not the speed.
 * --db=postgres runs the scenarios that load a server on SQLite and on PostgreSQL, each database
 * in turn, and sets the two side by side (bench/results/postgres.json and .md).
 * --cluster=N runs presence input and fan-out on PostgreSQL with one server process, then with N
 * sharing the database and Redis (the load spread over them), and sets the server CPU per request
 * and per delivery of the two side by side (bench/results/cluster.json and .md); then the
 * presence input load sent to some of the N processes at a time, in turns with one process, and
 * beside two controls: one process with 1/N of the load, and N separate processes sharing nothing
 * (scenario 3: where the cluster's CPU goes).
 */
const dbArgument = process.argv.find((arg) => arg.startsWith('--db='))?.slice('--db='.length);
if (dbArgument !== undefined && dbArgument !== 'postgres') throw new Error(`--db=${dbArgument}: the only choice is --db=postgres`);
const compareDatabases = dbArgument === 'postgres';
const clusterArgument = process.argv.find((arg) => arg.startsWith('--cluster='))?.slice('--cluster='.length);
const clusterSize = clusterArgument === undefined ? null : Number(clusterArgument);
if (clusterSize !== null && !(Number.isInteger(clusterSize) && clusterSize >= 2 && clusterSize <= 8)) {
  throw new Error(`--cluster=${clusterArgument}: the number of processes, 2 to 8`);
}
const options: BenchOptions = { quick: process.argv.includes('--quick'), database: 'sqlite' };
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');

/** The scenarios whose server keeps data, which --db=postgres runs on each database. */
const onDatabases: Array<[string, (options: BenchOptions) => Promise<ScenarioResult>]> = [
  ['input', presenceInput],
  ['fanout1k', (options) => fanout(options, options.quick ? 50 : 1000)],
  ['fanout10k', (options) => fanout(options, options.quick ? 100 : 10_000)],
  ['longpoll', longPoll],
];

// The in-process measurements run first, before the load tests leave the machine warm and busy.
const scenarios: Array<[string, () => Promise<ScenarioResult> | ScenarioResult]> = [
  ['timers', () => timerScale(options)],
  ['events', () => eventsWritten(options, {}, '≤ 3 per active user-hour, max lag ≤ 60 s')],
  // The same day under other pacing: what each choice saves or costs (README, "Publication lag").
  ['events0', () => eventsWritten(options, { settleMs: 0, publishActivityLapses: true, publishActivityBlips: true }, null)],
  ['events-blips-written', () => eventsWritten(options, { publishActivityBlips: true }, null)],
  ['events-derived', () => eventsWritten(options, { publishActivityLapses: false }, null)],
  ['events-blips', () => eventsWritten(options, { publishActivityLapses: false, publishActivityBlips: true }, null)],
  ['events-grace', () => eventsWritten(options, { offlineGraceMs: 60_000 }, null)],
  ['events-2min', () => eventsWritten(options, { maxLagMs: 120_000, settleMs: 120_000 }, null)],
  ['events-5min', () => eventsWritten(options, { maxLagMs: 300_000, settleMs: 300_000 }, null)],
  ['events-10min', () => eventsWritten(options, { maxLagMs: 600_000, settleMs: 600_000 }, null)],
  ...onDatabases.map(([name, run]): [string, () => Promise<ScenarioResult>] => [name, () => run(options)]),
];
/** Presence input, then fan-out, on PostgreSQL with 1 process and with `size`, their rows named after the count. */
function clusterScenarios(size: number): Array<[string, () => Promise<ScenarioResult | ScenarioResult[]>]> {
  const input = [1, size].map((processes): [string, () => Promise<ScenarioResult>] => [
    'input',
    async () => {
      const result = await presenceInput({ ...options, database: 'postgres', processes });
      return { ...result, scenario: `${result.scenario}, ${processes} process${processes === 1 ? '' : 'es'}` };
    },
  ]);
  const fanouts = [1, size].map((processes): [string, () => Promise<ScenarioResult>] => ['fanout', () => clusterFanout({ ...options, database: 'postgres', processes })]);
  return [...input, ...fanouts, ['spread', () => clusterSpread({ ...options, database: 'postgres', processes: size })]];
}

type Figures = Record<string, number | undefined>;

/** A figure of a side of a result's details (`presence`, `baseline`, `graphql`). */
function figure(result: ScenarioResult | undefined, side: string, key: string): number | undefined {
  return (result?.details[side] as Figures | undefined)?.[key];
}

/** The cluster's CPU per unit of work beside one process's: a row of the main table (target ≤ 1.5× for presence input). */
function beside(single: ScenarioResult, cluster: ScenarioResult, scenario: string, side: string, key: string, unit: string, target: string | null): ScenarioResult | null {
  const [one, many] = [figure(single, side, key), figure(cluster, side, key)];
  if (one === undefined || many === undefined) return null;
  const ratio = many / one;
  return {
    scenario: `${scenario}, ${String(cluster.details.processes)} processes beside 1`,
    metric: unit,
    value: many,
    baselineName: 'the same with 1 process',
    baseline: one,
    ratio,
    target: target ?? 'report',
    met: target === null ? null : ratio <= 1.5 && cluster.errors === 0,
    details: {},
    errors: 0,
  };
}

/** Server CPU per presence request and per fan-out delivery, the cluster's beside one process's. */
function clusterComparison(results: ScenarioResult[]): { rows: ScenarioResult[]; cpu: string[] } {
  const byProcesses = (prefix: string) => results.filter((r) => r.scenario.startsWith(prefix)).sort((a, b) => Number(a.details.processes) - Number(b.details.processes));
  const inputs = byProcesses('1.');
  const fanouts = byProcesses('2.');
  const rows: ScenarioResult[] = [];
  const cpu: string[] = [];
  const us = (value: number | undefined) => format(value ?? NaN, { maximumFractionDigits: 0 });
  if (inputs.length === 2) {
    const row = beside(inputs[0], inputs[1], '1. presence input, server CPU per request', 'presence', 'server_cpu_us_per_request', 'µs/request', '≤ 1.5× one process');
    if (row) rows.push(row);
    cpu.push(
      '| processes | presence input req/s | server CPU µs per request (all processes) | PostgreSQL backends CPU µs per request | whoami req/s | whoami server CPU µs per request |',
      '|---:|---:|---:|---:|---:|---:|',
      ...inputs.map(
        (r) =>
          `| ${String(r.details.processes)} | ${format(r.value)} | ${us(figure(r, 'presence', 'server_cpu_us_per_request'))} | ${us(figure(r, 'presence', 'database_cpu_us_per_request'))} | ${format(r.baseline)} | ${us(figure(r, 'baseline', 'server_cpu_us_per_request'))} |`,
      ),
    );
  }
  if (fanouts.length === 2) {
    const row = beside(fanouts[0], fanouts[1], '2. fan-out, server CPU per delivery', 'graphql', 'server_cpu_us_per_delivery', 'µs/delivery', null);
    if (row) rows.push(row);
    if (cpu.length > 0) cpu.push('');
    cpu.push(
      '| processes | changes/s | deliveries/s (due) | p50 / p99 ms | server CPU µs per delivery (all processes) | PostgreSQL backends CPU µs per delivery | server CPU µs per change |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      ...fanouts.map(
        (r) =>
          `| ${String(r.details.processes)} | ${String(r.details.change_rate_per_s)} | ${format(r.value)} (${format(r.baseline)}) | ${format(figure(r, 'graphql', 'p50_ms') ?? NaN)} / ${format(figure(r, 'graphql', 'p99_ms') ?? NaN)} | ${us(figure(r, 'graphql', 'server_cpu_us_per_delivery'))} | ${us(figure(r, 'graphql', 'database_cpu_us_per_delivery'))} | ${us(figure(r, 'graphql', 'server_cpu_us_per_change'))} |`,
      ),
    );
  }
  const spread = results.filter((r) => r.scenario.startsWith('3.'));
  if (spread.length > 0) {
    if (cpu.length > 0) cpu.push('');
    cpu.push(
      '| presence input load on | server CPU µs per request (all processes) | beside, in turns with it | its µs per request | ratio | per process (µs per request), the owner first |',
      '|---|---:|---|---:|---:|---|',
      ...spread.map(
        (r) =>
          `| ${String(r.details.load_on_name)} | ${us(r.value)} | ${String(r.details.beside_name)} | ${us(r.baseline)} | ${formatRatio(r.ratio)} | ${(r.details.per_process_us_per_request as number[]).join(' / ')} |`,
      ),
    );
  }
  return { rows, cpu };
}

const DATABASE_NAMES: Record<BenchDatabase, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/** Each scenario on SQLite, then on PostgreSQL, its rows named after the database. */
function databaseScenarios(): Array<[string, () => Promise<ScenarioResult>]> {
  return onDatabases.flatMap(([name, run]) =>
    (['sqlite', 'postgres'] as const).map((database): [string, () => Promise<ScenarioResult>] => [
      name,
      async () => {
        const result = await run({ ...options, database });
        return { ...result, scenario: `${result.scenario}, ${DATABASE_NAMES[database]}`, details: { ...result.details, database } };
      },
    ]),
  );
}

/**
 * The PostgreSQL presence input beside SQLite's from the same run (target ≥ 0.7×), and a table
 * of what each request cost: the server's CPU, and PostgreSQL's backends' beside it.
 */
function databaseComparison(results: ScenarioResult[]): { rows: ScenarioResult[]; cpu: string[] } {
  const input = (database: BenchDatabase) => results.find((r) => r.scenario.startsWith('1.') && r.details.database === database);
  const [sqlite, postgres] = [input('sqlite'), input('postgres')];
  if (!sqlite || !postgres) return { rows: [], cpu: [] };
  const ratio = postgres.value / sqlite.value;
  const row: ScenarioResult = {
    scenario: '1. presence input, PostgreSQL beside SQLite',
    metric: 'req/s',
    value: postgres.value,
    baselineName: 'the same on SQLite',
    baseline: sqlite.value,
    ratio,
    target: '≥ 0.7× SQLite',
    met: ratio >= 0.7 && postgres.errors === 0,
    details: {},
    errors: 0,
  };
  const us = (result: ScenarioResult, side: string, key: string) => {
    const value = (result.details[side] as Record<string, number | undefined>)[key];
    return value === undefined ? '–' : format(value, { maximumFractionDigits: 0 });
  };
  const cpu = [
    '| database | presence input req/s | server CPU µs per request | PostgreSQL backends CPU µs per request | whoami req/s | whoami server CPU µs per request |',
    '|---|---:|---:|---:|---:|---:|',
    ...[sqlite, postgres].map(
      (r) =>
        `| ${DATABASE_NAMES[r.details.database as BenchDatabase]} | ${format(r.value)} | ${us(r, 'presence', 'server_cpu_us_per_request')} | ${r.details.database === 'postgres' ? us(r, 'presence', 'database_cpu_us_per_request') : '(in the server)'} | ${format(r.baseline)} | ${us(r, 'baseline', 'server_cpu_us_per_request')} |`,
    ),
  ];
  return { rows: [row], cpu };
}

function format(value: number, fractionDigits: { minimumFractionDigits?: number; maximumFractionDigits: number } = { maximumFractionDigits: 2 }): string {
  return Number.isFinite(value) ? value.toLocaleString('en', fractionDigits) : '–';
}

/** Three decimals, so a ratio just under its target does not print as the target itself. */
function formatRatio(value: number): string {
  return format(value, { minimumFractionDigits: 2, maximumFractionDigits: 3 });
}

async function main(): Promise<void> {
  const started = Date.now();
  const results: ScenarioResult[] = [];
  const planned = clusterSize !== null ? clusterScenarios(clusterSize) : compareDatabases ? databaseScenarios() : scenarios;
  for (const [name, run] of planned) {
    if (only && !only.includes(name)) continue;
    const begin = Date.now();
    process.stderr.write(`bench: ${name}…\n`);
    const result = await run();
    results.push(...[result].flat());
    process.stderr.write(`bench: ${name} done in ${((Date.now() - begin) / 1000).toFixed(1)} s\n`);
  }
  // The table lists scenarios by number, whatever order they ran in.
  results.sort((a, b) => Number.parseInt(a.scenario, 10) - Number.parseInt(b.scenario, 10));
  const comparison = clusterSize !== null ? clusterComparison(results) : compareDatabases ? databaseComparison(results) : { rows: [], cpu: [] };
  const rows = [...results, ...comparison.rows];
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`;
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `Measured ${date} on ${machine}${options.quick ? ' (quick mode: sizes too small to mean anything)' : ''}.`,
    '',
    '| scenario | metric | figure | baseline | baseline figure | ratio | target | met |',
    '|---|---|---:|---|---:|---:|---|---|',
    ...rows.map(
      (r) => `| ${r.scenario} | ${r.metric} | ${format(r.value)} | ${r.baselineName} | ${format(r.baseline)} | ${formatRatio(r.ratio)} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : 'no'} |`,
    ),
    ...(comparison.cpu.length > 0 ? ['', ...comparison.cpu] : []),
  ];
  const table = lines.join('\n');
  console.log(table);
  mkdirSync('bench/results', { recursive: true });
  // A partial run (--only) never replaces the full results.
  const name = options.quick ? 'quick' : only ? 'partial' : 'latest';
  const variant = clusterSize !== null ? 'cluster' : compareDatabases ? 'postgres' : null;
  const base = `bench/results/${variant ? (name === 'latest' ? variant : `${name}-${variant}`) : name}`;
  writeFileSync(`${base}.md`, `${table}\n`);
  writeFileSync(`${base}.json`, JSON.stringify({ date, machine, quick: options.quick, seconds: (Date.now() - started) / 1000, results }, null, 2) + '\n');
  const errors = results.reduce((sum, result) => sum + result.errors, 0);
  if (errors > 0) {
    console.error(`bench: ${errors} errors from the server`);
    process.exitCode = 1;
  }
}

await main();
