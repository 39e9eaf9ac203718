import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { eventsWritten } from './scenarios/events-written.js';
import { fanout } from './scenarios/fanout.js';
import { longPoll } from './scenarios/long-poll.js';
import { presenceInput } from './scenarios/presence-input.js';
import { timerScale } from './scenarios/timer-scale.js';
import type { BenchOptions, ScenarioResult } from './lib/scenario.js';

/**
 * `npm run bench [-- --quick]`: starts the built server as a separate process per scenario, drives
 * it from separate client processes on loopback, and prints one table of figures beside
 * baselines measured in the same run (also written to bench/results/latest.json and .md).
 * --quick runs every scenario at a toy size in seconds: it checks the harness, not the speed.
 */
const options: BenchOptions = { quick: process.argv.includes('--quick') };
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length).split(',');

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
  ['input', () => presenceInput(options)],
  ['fanout1k', () => fanout(options, options.quick ? 50 : 1000)],
  ['fanout10k', () => fanout(options, options.quick ? 100 : 10_000)],
  ['longpoll', () => longPoll(options)],
];

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
  for (const [name, run] of scenarios) {
    if (only && !only.includes(name)) continue;
    const begin = Date.now();
    process.stderr.write(`bench: ${name}…\n`);
    const result = await run();
    results.push(result);
    process.stderr.write(`bench: ${name} done in ${((Date.now() - begin) / 1000).toFixed(1)} s\n`);
  }
  // The table lists scenarios by number, whatever order they ran in.
  results.sort((a, b) => Number.parseInt(a.scenario, 10) - Number.parseInt(b.scenario, 10));
  const machine = `${cpus().length} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`;
  const date = new Date().toISOString().slice(0, 10);
  const lines = [
    `Measured ${date} on ${machine}${options.quick ? ' (quick mode: sizes too small to mean anything)' : ''}.`,
    '',
    '| scenario | metric | figure | baseline | baseline figure | ratio | target | met |',
    '|---|---|---:|---|---:|---:|---|---|',
    ...results.map(
      (r) => `| ${r.scenario} | ${r.metric} | ${format(r.value)} | ${r.baselineName} | ${format(r.baseline)} | ${formatRatio(r.ratio)} | ${r.target} | ${r.met === null ? '—' : r.met ? 'yes' : 'no'} |`,
    ),
  ];
  const table = lines.join('\n');
  console.log(table);
  mkdirSync('bench/results', { recursive: true });
  // A partial run (--only) never replaces the full results.
  const base = `bench/results/${options.quick ? 'quick' : only ? 'partial' : 'latest'}`;
  writeFileSync(`${base}.md`, `${table}\n`);
  writeFileSync(`${base}.json`, JSON.stringify({ date, machine, quick: options.quick, seconds: (Date.now() - started) / 1000, results }, null, 2) + '\n');
  const errors = results.reduce((sum, result) => sum + result.errors, 0);
  if (errors > 0) {
    console.error(`bench: ${errors} errors from the server`);
    process.exitCode = 1;
  }
}

await main();
