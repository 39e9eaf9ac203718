import type { AppConfig } from './app-config.js';
import { describeDatabase } from './database-config.js';

/** The one start-up line: where the server listens and which of its modes are in force. */
export function startupSummary(config: AppConfig, port: number): string {
  const untracked = config.PRESENCE_ENABLED === 'untracked' ? ' (client inputs untracked)' : '';
  const presence = config.PRESENCE_ENABLED === 'false' ? 'off' : `policy ${config.PRESENCE_POLICY}${untracked}`;
  const legacy = [
    `GET ${config.LEGACY_PRESENCE_GET}`,
    `PUT ${config.LEGACY_PRESENCE_PUT}`,
    `/sync set_presence ${config.LEGACY_SYNC_SET_PRESENCE}`,
    `/sync presence ${config.LEGACY_SYNC_PRESENCE}`,
  ].join(', ');
  return (
    `Serving ${config.SERVER_NAME} on http://${config.HOST}:${port} (database ${describeDatabase(config)}); ` +
    `presence ${presence}; ${config.MSC_IDENTIFIERS} identifiers; legacy presence: ${legacy}`
  );
}
