import type { AppConfig } from '../config/app-config.js';
import type { PresenceSettings } from './core/presence-model.js';
import type { PacingSettings } from './core/publication-pacing.js';

/** The policy's timers, from the configuration. */
export function presenceSettingsOf(config: AppConfig): PresenceSettings {
  return {
    idleTimeoutMs: config.PRESENCE_IDLE_TIMEOUT_MS,
    syncOnlineTimeoutMs: config.PRESENCE_SYNC_ONLINE_TIMEOUT_MS,
    busyTimeoutMs: config.PRESENCE_BUSY_TIMEOUT_MS,
    lastActiveGranularityMs: config.PRESENCE_LAST_ACTIVE_GRANULARITY_MS,
    syncIsActivity: config.presenceSyncIsActivity,
  };
}

/** How changes are paced before they are written, from the configuration. */
export function pacingSettingsOf(config: AppConfig): PacingSettings {
  return {
    maxLagMs: config.PRESENCE_MAX_LAG_MS,
    minIntervalMs: config.PRESENCE_MIN_PUBLISH_INTERVAL_MS,
    settleMs: config.PRESENCE_SETTLE_MS,
    offlineGraceMs: config.PRESENCE_OFFLINE_GRACE_MS,
    publishActivityLapses: config.PRESENCE_PUBLISH_ACTIVITY_LAPSES === 'true',
    publishActivityBlips: config.PRESENCE_PUBLISH_ACTIVITY_BLIPS === 'true',
    lastActiveGranularityMs: config.PRESENCE_LAST_ACTIVE_GRANULARITY_MS,
  };
}
