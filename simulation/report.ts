import type { ModelFigures } from '../src/simulation/measure.js';
import { retentionRows, type SqliteSample } from '../src/simulation/report-data.js';

export interface RunInfo {
  date: string;
  machine: string;
  command: string;
  seconds: number;
  cpuSeconds: number;
  users: number;
  seed: number;
  servers: number;
  minFollowers: number;
  followerTailShape: number;
  quick: boolean;
}

export interface ServerCheck extends SqliteSample {
  users: number;
  eventJsonBytes: number;
  matched: boolean;
  firstDifference: string | null;
}

const number = (value: number, digits = 2) => (Number.isFinite(value) ? value.toLocaleString('en', { maximumFractionDigits: digits }) : '–');
const kilobytes = (bytes: number) => number(bytes / 1000, 1);

function summaryRow(figure: ModelFigures): string {
  const f = figure.federation;
  return `| ${figure.model} | ${number(figure.updatesPerActiveUserHour)} | ${kilobytes(figure.storedBytesPerUserDay)} | ${number(figure.deliveriesPerFollowerDay, 0)} | ${kilobytes(figure.deliveredBytesPerFollowerDay)} | ${number(figure.lagP50, 1)} / ${number(figure.lagP95, 1)} / ${number(figure.lagMax, 1)} | ${number(figure.flipFlopsPerActiveUserHour, 3)} | ${number(f.transactionsPerServerDay, 0)} | ${kilobytes(f.bytesPerServerDay)} | ${f.joinEvents ? `${f.joinEvents} events, ${kilobytes(f.joinBytesPerRoom)} kB` : '—'} |`;
}

const SUMMARY_HEADER = [
  '| model | events per active user-hour | stored kB per user-day | deliveries per follower-day | delivered kB per follower-day | lag p50 / p95 / max (s) | flip-flops per active user-hour | transactions per remote server-day | kB per remote server-day | a new peeker fetches, per profile room |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
];

function settingRow(figure: ModelFigures): string {
  const c = figure.byCausePerActiveUserHour;
  const causes = [c.online, c.offline, c.presence, c.active_lapse, c.active_again, c.last_active, c.status].map((value) => number(value)).join(' / ');
  return `| ${figure.isDefault ? '**' : ''}${figure.id}${figure.isDefault ? '**' : ''} | ${number(figure.updatesPerActiveUserHour)} | ${causes} | ${kilobytes(figure.storedBytesPerUserDay)} | ${number(figure.lagP50, 1)} / ${number(figure.lagP95, 1)} / ${number(figure.lagMax, 1)} | ${number(figure.flipFlopsPerActiveUserHour, 3)} | ${number(figure.federation.transactionsPerServerDay, 0)} | ${kilobytes(figure.federation.bytesPerServerDay)} |`;
}

function retentionTable(figures: ModelFigures[]): string[] {
  const rows = retentionRows(figures);
  if (rows.length === 0) return [];
  const labels = rows[0].megabytes.map((cell) => cell.label);
  return [
    `| model (defaults) | ${labels.join(' | ')} |`,
    `|---|${labels.map(() => '---:').join('|')}|`,
    ...rows.map((row) => `| ${row.model} | ${row.megabytes.map((cell) => number(cell.megabytes, 1)).join(' | ')} |`),
  ];
}

/** The report: what was run, the figures at each model's defaults, the charts, every setting, and what each figure means. */
export function reportMarkdown(run: RunInfo, figures: ModelFigures[], checks: ServerCheck[], charts: Record<string, string>): string {
  const defaults = figures.filter((figure) => figure.isDefault);
  const image = (name: string, alt: string) => `![${alt}](${charts[name]})`;
  return [
    '# Presence cost: legacy EDUs against state events in profile rooms',
    '',
    `Measured ${run.date} on ${run.machine}, in ${number(run.seconds, 0)} s (${number(run.cpuSeconds, 0)} s of CPU).${run.quick ? ' **Quick mode: sizes too small to mean anything.**' : ''}`,
    `Reproduce with \`${run.command}\`.`,
    '',
    `Population: ${run.users.toLocaleString('en')} users (seed ${run.seed}), one day each in their own time zone; followers per user from a Pareto`,
    `distribution (at least ${run.minFollowers}, shape ${run.followerTailShape}); followers spread over ${run.servers} remote servers (Zipf) and the home server.`,
    'Every figure of the state-event models is what the presence engine itself (`PresenceEngine`, as `PresenceService` runs it) published on a fake clock.',
    '',
    '## At each model\'s default settings',
    '',
    ...SUMMARY_HEADER,
    ...defaults.map(summaryRow),
    '',
    '## The real server wrote what the replay predicted',
    '',
    'A sample of the population replayed through the real server (booted on a fresh SQLite file with its migrations, users registered over HTTP, inputs handed to `PresenceService` on a fake clock), its events read back from the store and compared with the in-process replay, event for event; and the growth of its database file.',
    '',
    '| model (defaults) | users | events written | matched the replay | event JSON bytes | SQLite file growth (bytes) | SQLite bytes per event |',
    '|---|---:|---:|---|---:|---:|---:|',
    ...checks.map((check) => `| ${check.model} | ${check.users} | ${check.events} | ${check.matched ? 'yes' : `**no**: ${check.firstDifference}`} | ${check.eventJsonBytes.toLocaleString('en')} | ${check.sqliteBytes.toLocaleString('en')} | ${number(check.sqliteBytes / Math.max(1, check.events), 0)} |`),
    '',
    '## Events per active user-hour',
    '',
    image('events', 'events per active user-hour by model, setting and cause'),
    '',
    '## Lag against event count',
    '',
    image('frontier', 'publication lag p95 against events per active user-hour'),
    '',
    '## Storage over 30 days',
    '',
    image('storage', 'presence history stored over 30 days'),
    '',
    'With `PRESENCE_HISTORY_RETENTION_MS`, superseded m.presence and m.status events older than the window are purged (current state kept). Each model\'s events at its defaults, the simulated day repeated for 30 days and purged once a day by the server\'s own selection (`planHistoryPurge`): event JSON kept by 1,000 users at the end of day 30, in MB.',
    '',
    ...retentionTable(figures),
    '',
    '## Federation traffic per remote server',
    '',
    image('federation', 'bytes per remote server and day by followers hosted'),
    '',
    '## Diurnal load',
    '',
    image('diurnal', 'events per hour of the day'),
    '',
    '## Every model and setting',
    '',
    'Causes: online / offline / presence / active_lapse / active_again / last_active / status, each per active user-hour.',
    '',
    '| model and setting | per active user-hour | by cause | stored kB per user-day | lag p50 / p95 / max (s) | flip-flops per active user-hour | transactions per remote server-day | kB per remote server-day |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
    ...figures.map(settingRow),
    '',
    'Raw figures: `figures.json`, `figures.csv` (one row per model and setting), `servers.csv` (one row per model at its defaults and remote server).',
    '',
    '## What the figures mean',
    '',
    '- **events per active user-hour**: m.presence and m.status state events written (for `edu-legacy`, presence updates sent), divided by the hours in which the user had a device live; by cause: coming online, going offline, another presence change (idle, busy), `currently_active` lapsing, activity after a lapse, a last-active bump alone (EDU model only), a status change.',
    '- **stored kB per user-day**: the JSON of the events the store keeps (content and unsigned `prev_content`), per user and day; the EDU model persists no events. The SQLite row measures the real file instead, indexes and pages included.',
    '- **deliveries / delivered kB per follower-day**: each update reaches each follower of its user once; divided by the followers who follow anyone.',
    '- **lag**: for each change others can see, how long it waited before it was written (from when the rules made it); the EDU model sends at once.',
    '- **flip-flops**: an update whose change (presence value or `currently_active`) the next update undoes within 60 s.',
    '- **federation**: each update goes once to every remote server with a follower of its user, as an EDU (legacy) or a PDU (state events); a server\'s items ready within 1 s share a transaction (at most 50 PDUs or 100 EDUs). Sizes are the JSON of a room version 10 PDU or a Synapse presence EDU. A server that starts following a user peeks the profile room: it fetches the room\'s state (its auth chain is a subset), which presence events never join, so that cost does not grow with presence history.',
    '',
  ].join('\n');
}
