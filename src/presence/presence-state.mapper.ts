import { SqlStatements, type SqlParameter } from '../database/sql-statements.js';
import type { DeviceInputs, ManualState, PresenceView } from './core/presence-model.js';
import { TrackedPresence } from './tracked-presence.js';

const COLUMNS = [
  'user_id',
  'manual',
  'appear_offline_since',
  'appear_offline_last_active_ts',
  'status_msg',
  'last_active_ts',
  'devices',
];

/** A presence_state row as the storage port reads it: bigints come back as text from PostgreSQL, devices as JSON text. */
export interface PresenceStateRow {
  user_id: string;
  manual: ManualState | null;
  appear_offline_since: number | string | null;
  appear_offline_last_active_ts: number | string | null;
  status_msg: string | null;
  last_active_ts: number | string;
  devices: string;
}

/**
 * The most rows one upsert writes. A batch is written in statements of power-of-two sizes up to
 * this (37 rows: 32 + 4 + 1), so a few statement texts serve every batch and each is prepared
 * once per connection, where one row per statement cost a round trip to the database per user.
 */
const MAX_UPSERT_ROWS = 64;

/** Writes `count` users' rows (whole), with their `upsertValues` one after another. */
function upsertText(count: number): string {
  const row = `(${COLUMNS.map(() => '?').join(', ')})`;
  return `INSERT INTO presence_state (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: count }, () => row).join(', ')}
  ON CONFLICT (user_id) DO UPDATE SET ${COLUMNS.slice(1).map((column) => `${column} = excluded.${column}`).join(', ')}`;
}

/** The statements that write these users' rows, each with its values (no user twice in one statement, as one upsert cannot touch a row twice). */
export function upsertStatements(users: readonly TrackedPresence[]): Array<{ sql: string; values: SqlParameter[] }> {
  const unique = [...new Map(users.map((tracked) => [tracked.userId, tracked])).values()];
  const statements: Array<{ sql: string; values: SqlParameter[] }> = [];
  for (let start = 0; start < unique.length; ) {
    let size = MAX_UPSERT_ROWS;
    while (size > unique.length - start) size /= 2;
    statements.push({ sql: upsertText(size), values: unique.slice(start, start + size).flatMap(upsertValues) });
    start += size;
  }
  return statements;
}

/** The values of one row of an upsert, stored as TypeORM stores the entity (devices as JSON text). */
function upsertValues({ userId, inputs }: TrackedPresence): SqlParameter[] {
  return [
    userId,
    inputs.manual,
    inputs.appearOffline?.since ?? null,
    inputs.appearOffline?.lastActiveTs ?? null,
    inputs.statusMsg,
    inputs.lastActiveTs,
    JSON.stringify(inputs.devices),
  ];
}

/** Every stored row. */
export const SELECT_ALL_PRESENCE_STATE = `SELECT ${COLUMNS.join(', ')} FROM presence_state`;

/** The rows of these users (an IN list padded to a power of two, so a few texts serve every count). */
export function selectPresenceState(userIds: readonly string[]): { sql: string; values: string[] } {
  let size = 1;
  while (size < userIds.length) size *= 2;
  const values = Array.from({ length: size }, (_, index) => userIds[Math.min(index, userIds.length - 1)]);
  return { sql: `${SELECT_ALL_PRESENCE_STATE} WHERE user_id IN (${SqlStatements.placeholders(size)})`, values };
}

const numberOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

/** A stored user, with what their profile room holds for others (`publishedViewOf`). */
export function fromRow(row: PresenceStateRow, published: PresenceView | null): TrackedPresence {
  const appearOfflineSince = numberOrNull(row.appear_offline_since);
  return new TrackedPresence(
    row.user_id,
    {
      manual: row.manual,
      appearOffline: appearOfflineSince === null ? null : { since: appearOfflineSince, lastActiveTs: numberOrNull(row.appear_offline_last_active_ts) ?? 0 },
      statusMsg: row.status_msg,
      lastActiveTs: Number(row.last_active_ts),
      devices: JSON.parse(row.devices) as DeviceInputs[],
    },
    published,
  );
}
