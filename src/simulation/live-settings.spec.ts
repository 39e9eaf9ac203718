import { ConfigError } from '../config/app-config.js';
import { advertisedDifferences, liveEnvironment, liveServerSettings } from './live-settings.js';

describe('liveEnvironment', () => {
  it('divides every presence timer by the scale, the ticker down to its floor, and raises the rate limit by it', () => {
    const env = liveEnvironment(30);
    expect(env).toMatchObject({
      PRESENCE_IDLE_TIMEOUT_MS: '10000',
      PRESENCE_SYNC_ONLINE_TIMEOUT_MS: '1000',
      PRESENCE_SETTLE_MS: '2000',
      PRESENCE_MAX_LAG_MS: '2000',
      PRESENCE_TIMER_TICK_MS: '50',
      RATE_LIMIT_PRESENCE_PER_SECOND: '30',
    });
    const { settings, pacing, tickMs } = liveServerSettings(env);
    expect([settings.idleTimeoutMs, settings.lastActiveGranularityMs, pacing.settleMs, tickMs]).toEqual([10_000, 2_000, 2_000, 50]);
  });

  it('refuses a scale that takes a timer below its minimum', () => {
    expect(() => liveEnvironment(60)).toThrow(ConfigError);
    expect(() => liveEnvironment(60)).toThrow(/PRESENCE_SYNC_ONLINE_TIMEOUT_MS/);
  });
});

describe('advertisedDifferences', () => {
  const expected = liveServerSettings(liveEnvironment(30));

  it('finds none when /capabilities advertises the expected settings', () => {
    expect(advertisedDifferences({ last_active_granularity_ms: 2_000, currently_active_lapses_published: true, max_publication_lag_ms: 2_000 }, expected)).toEqual([]);
  });

  it('names each advertised setting that differs, and a server that advertises none', () => {
    expect(advertisedDifferences({ last_active_granularity_ms: 60_000, currently_active_lapses_published: true, max_publication_lag_ms: 2_000 }, expected)).toEqual([
      'last_active_granularity_ms: the server advertises 60000, the run expects 2000',
    ]);
    expect(advertisedDifferences(undefined, expected)).toHaveLength(3);
  });
});
