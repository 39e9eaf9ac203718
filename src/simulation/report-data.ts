import type { WrittenEvent } from './engine-run.js';
import { ratio, storageGrowth } from './figures.js';
import type { ModelFigures } from './measure.js';
import { SIMULATED_DAY } from './population.js';
import { RETENTION_WINDOWS, STORAGE_DAYS } from './retention.js';

const HOUR = 3_600_000;
/** The storage chart's population. */
export const STORAGE_USERS = 1000;
export { STORAGE_DAYS };

export interface StorageLine {
  label: string;
  /** Stored at the end of each day, in MB. */
  megabytes: number[];
}

/** What the real server's SQLite file grew by for a model, per event written. */
export interface SqliteSample {
  model: ModelFigures['model'];
  settingId: string;
  events: number;
  sqliteBytes: number;
}

/**
 * Storage over 30 days for 1,000 users, for each state-event model: the event JSON at its
 * defaults and at its most frugal setting, and the SQLite file's growth extrapolated from the
 * measured sample (bytes per event × events per user-day); and, at the defaults, the event JSON
 * kept under each retention window (PRESENCE_HISTORY_RETENTION_MS) as the server purges it.
 */
export function storageLines(figures: ModelFigures[], samples: SqliteSample[]): StorageLine[] {
  const line = (label: string, bytesPerUserDay: number) => ({
    label,
    megabytes: storageGrowth(0, (bytesPerUserDay * STORAGE_USERS) / 1e6, STORAGE_DAYS),
  });
  const lines: StorageLine[] = [];
  for (const model of ['pdu-msc3032', 'pdu-legacy'] as const) {
    const ofModel = figures.filter((figure) => figure.model === model);
    const defaults = ofModel.find((figure) => figure.isDefault);
    if (!defaults) continue;
    lines.push(line(`${model} defaults, event JSON`, defaults.storedBytesPerUserDay));
    const sample = samples.find((candidate) => candidate.model === model);
    if (sample) lines.push(line(`${model} defaults, SQLite file (measured per event)`, ratio(sample.sqliteBytes, sample.events) * ratio(defaults.updates, defaults.users)));
    for (const { label, bytesByDay } of defaults.retention.filter((retained) => retained.label !== RETENTION_WINDOWS[0].label)) {
      lines.push({ label: `${model} defaults, event JSON, ${label}`, megabytes: bytesByDay.map((bytes) => (bytes * STORAGE_USERS) / 1e6) });
    }
    const frugal = ofModel.reduce((best, figure) => (figure.storedBytesPerUserDay < best.storedBytesPerUserDay ? figure : best));
    if (frugal !== defaults) lines.push(line(`${frugal.id}, event JSON`, frugal.storedBytesPerUserDay));
  }
  return lines;
}

/** Each state-event model's storage at the end of the 30 days (MB for 1,000 users) under each retention window, at its defaults. */
export function retentionRows(figures: ModelFigures[]): Array<{ model: string; megabytes: Array<{ label: string; megabytes: number }> }> {
  return figures
    .filter((figure) => figure.isDefault && figure.retention.length > 0)
    .map((figure) => ({
      model: figure.model,
      megabytes: figure.retention.map(({ label, bytesByDay }) => ({ label, megabytes: (bytesByDay[bytesByDay.length - 1] * STORAGE_USERS) / 1e6 })),
    }));
}

/** Updates per hour since the simulated day's midnight UTC, over every user. */
export function diurnalRows(model: string, perUser: WrittenEvent[][]): Array<{ model: string; hour: number; updates: number }> {
  const counts = new Map<number, number>();
  for (const updates of perUser) {
    for (const { at } of updates) {
      const hour = Math.floor((at - SIMULATED_DAY) / HOUR);
      counts.set(hour, (counts.get(hour) ?? 0) + 1);
    }
  }
  return [...counts].sort((a, b) => a[0] - b[0]).map(([hour, updates]) => ({ model, hour, updates }));
}

function csv(rows: Array<Record<string, string | number | boolean>>): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]);
  const cell = (value: string | number | boolean) => (typeof value === 'string' && /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : String(value));
  return [columns.join(','), ...rows.map((row) => columns.map((column) => cell(row[column])).join(','))].join('\n') + '\n';
}

/** One row per model and setting: every figure of the report. */
export function figuresCsv(figures: ModelFigures[]): string {
  return csv(
    figures.map((figure) => ({
      id: figure.id,
      model: figure.model,
      default: figure.isDefault,
      settle_ms: figure.knobs.settleMs,
      min_interval_ms: figure.knobs.minIntervalMs,
      idle_timeout_ms: figure.knobs.idleTimeoutMs,
      publish_lapses: figure.knobs.publishActivityLapses,
      users: figure.users,
      active_user_hours: figure.activeUserHours,
      updates: figure.updates,
      per_active_user_hour: figure.updatesPerActiveUserHour,
      ...Object.fromEntries(Object.entries(figure.byCausePerActiveUserHour).map(([cause, value]) => [`per_hour_${cause}`, value])),
      stored_bytes_per_user_day: figure.storedBytesPerUserDay,
      deliveries_per_follower_day: figure.deliveriesPerFollowerDay,
      delivered_bytes_per_follower_day: figure.deliveredBytesPerFollowerDay,
      lag_p50_s: figure.lagP50,
      lag_p95_s: figure.lagP95,
      lag_max_s: figure.lagMax,
      flip_flops: figure.flipFlops,
      flip_flops_per_active_user_hour: figure.flipFlopsPerActiveUserHour,
      remote_servers: figure.federation.servers,
      transactions_per_server_day: figure.federation.transactionsPerServerDay,
      bytes_per_server_day: figure.federation.bytesPerServerDay,
      join_events: figure.federation.joinEvents,
      join_bytes_per_room: figure.federation.joinBytesPerRoom,
    })),
  );
}

/** One row per model (at its defaults) and remote server: what the server received. */
export function serversCsv(figures: ModelFigures[]): string {
  return csv(
    figures.flatMap((figure) =>
      figure.federation.perServer.map((server) => ({ id: figure.id, model: figure.model, server: server.server, followers: server.followers, followed_users: server.followedUsers, transactions: server.transactions, bytes: server.bytes, join_bytes: server.joinBytes })),
    ),
  );
}
