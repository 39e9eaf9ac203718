import type { PresenceView } from './core/presence-model.js';
import type { PresenceStateEntity } from './presence-state.entity.js';
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

/** Writes a user's row (whole), with the values of `upsertValues`. */
export const UPSERT_PRESENCE_STATE = `INSERT INTO presence_state (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (user_id) DO UPDATE SET ${COLUMNS.slice(1).map((column) => `${column} = excluded.${column}`).join(', ')}`;

/** The values of UPSERT_PRESENCE_STATE for a user, stored as TypeORM stores the entity (devices as JSON text). */
export function upsertValues({ userId, inputs }: TrackedPresence): Array<string | number | null> {
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

/** A stored user, with what their profile room holds for others (`publishedViewOf`). */
export function fromRow(row: PresenceStateEntity, published: PresenceView | null): TrackedPresence {
  return new TrackedPresence(
    row.userId,
    {
      manual: row.manual,
      appearOffline:
        row.appearOfflineSince === null ? null : { since: row.appearOfflineSince, lastActiveTs: row.appearOfflineLastActiveTs ?? 0 },
      statusMsg: row.statusMsg,
      lastActiveTs: row.lastActiveTs,
      devices: row.devices,
    },
    published,
  );
}
