import { MscIdentifiers } from '../common/msc-identifiers.js';
import { AppConfig, loadAppConfig } from '../config/app-config.js';
import { PRESENCE_POLICIES } from '../presence/core/policies.js';
import type { PresencePolicy, PresenceSettings } from '../presence/core/presence-model.js';
import type { PacingSettings } from '../presence/core/publication-pacing.js';
import { pacingSettingsOf, presenceSettingsOf } from '../presence/presence-settings.js';

/** The presence timers a live run scales: every duration the rules and the pacing count. */
const SCALED_TIMERS = [
  'PRESENCE_IDLE_TIMEOUT_MS',
  'PRESENCE_SYNC_ONLINE_TIMEOUT_MS',
  'PRESENCE_BUSY_TIMEOUT_MS',
  'PRESENCE_LAST_ACTIVE_GRANULARITY_MS',
  'PRESENCE_MAX_LAG_MS',
  'PRESENCE_MIN_PUBLISH_INTERVAL_MS',
  'PRESENCE_SETTLE_MS',
  'PRESENCE_OFFLINE_GRACE_MS',
] as const;

/** The shortest ticker the configuration allows (PRESENCE_TIMER_TICK_MS). */
const MIN_TICK_MS = 50;

/**
 * The environment of a server for a live run at `scale`: the default presence settings with every
 * timer divided by the scale (the ticker too, down to its floor), and the presence rate limit
 * raised by it, since clients send as often in real time as the script does in simulated time.
 * Throws a ConfigError naming the setting when the scale takes a timer below its minimum.
 */
export function liveEnvironment(scale: number): Record<string, string> {
  const defaults = new AppConfig();
  const env: Record<string, string> = { PRESENCE_POLICY: defaults.PRESENCE_POLICY };
  for (const key of SCALED_TIMERS) env[key] = String(Math.round(defaults[key] / scale));
  env.PRESENCE_TIMER_TICK_MS = String(Math.max(MIN_TICK_MS, Math.round(defaults.PRESENCE_TIMER_TICK_MS / scale)));
  env.RATE_LIMIT_PRESENCE_PER_SECOND = String(defaults.RATE_LIMIT_PRESENCE_PER_SECOND * scale);
  loadAppConfig(env);
  return env;
}

/** What the predictor needs to know of a server: its policy, timers, pacing, ticker and event type names. */
export interface LiveServerSettings {
  policy: PresencePolicy;
  settings: PresenceSettings;
  pacing: PacingSettings;
  tickMs: number;
  ids: MscIdentifiers;
}

/** The settings a server started with `env` runs under, read as the server reads them. */
export function liveServerSettings(env: Record<string, string>): LiveServerSettings {
  const config = loadAppConfig(env);
  return {
    policy: PRESENCE_POLICIES[config.PRESENCE_POLICY],
    settings: presenceSettingsOf(config),
    pacing: pacingSettingsOf(config),
    tickMs: config.PRESENCE_TIMER_TICK_MS,
    ids: new MscIdentifiers(config.MSC_IDENTIFIERS),
  };
}

/**
 * What a server advertises of its presence settings (GET /capabilities,
 * `org.matrix.msc3032.presence`) that differs from the expected settings; empty when none does.
 */
export function advertisedDifferences(capability: Record<string, unknown> | undefined, expected: LiveServerSettings): string[] {
  const wanted: Record<string, unknown> = {
    last_active_granularity_ms: expected.pacing.lastActiveGranularityMs,
    currently_active_lapses_published: expected.pacing.publishActivityLapses,
    max_publication_lag_ms: expected.pacing.maxLagMs,
  };
  return Object.entries(wanted)
    .filter(([key, value]) => capability?.[key] !== value)
    .map(([key, value]) => `${key}: the server advertises ${JSON.stringify(capability?.[key])}, the run expects ${JSON.stringify(value)}`);
}
