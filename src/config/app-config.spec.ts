import { AppConfig, ConfigError, loadAppConfig } from './app-config.js';
import { redactDatabaseUrl } from './database-config.js';

describe(AppConfig.name, () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadAppConfig({});
    expect(config.PORT).toBe(8008);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.SERVER_NAME).toBe('localhost');
    expect(config.DATABASE_PATH).toBe('./data/presence-rooms.sqlite');
    expect(config.DATABASE_WAL_AUTOCHECKPOINT_PAGES).toBe(10000);
    expect(config.REGISTRATION).toBe('open');
    expect(config.MSC_IDENTIFIERS).toBe('stable');
    expect(config.PROFILE_DEFAULT_VISIBILITY).toBe('restricted');
    expect(config.ADMIN_USERS).toEqual([]);
  });

  it('reads numbers, enums and lists from strings', () => {
    const config = loadAppConfig({
      PORT: '9000',
      MSC_IDENTIFIERS: 'unstable',
      ADMIN_USERS: '@a:localhost, @b:localhost',
      SERVER_NAME: 'example.org:8448',
    });
    expect(config.PORT).toBe(9000);
    expect(config.MSC_IDENTIFIERS).toBe('unstable');
    expect(config.ADMIN_USERS).toEqual(['@a:localhost', '@b:localhost']);
    expect(config.SERVER_NAME).toBe('example.org:8448');
  });

  it('refuses a headers deadline longer than the whole request deadline', () => {
    expect(() => loadAppConfig({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '1000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS="5000": must not exceed HTTP_REQUEST_TIMEOUT_MS/,
    );
    expect(loadAppConfig({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '1000' }).HTTP_HEADERS_TIMEOUT_MS).toBe(1000);
  });

  it('treats an empty value as unset', () => {
    expect(loadAppConfig({ PORT: '' }).PORT).toBe(8008);
  });

  it('names every bad value in one error', () => {
    let error: unknown;
    try {
      loadAppConfig({ PORT: 'eighty', REGISTRATION: 'maybe', SERVER_NAME: 'bad name!' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT="eighty"');
    expect(problems).toContain('REGISTRATION="maybe"');
    expect(problems).toContain('SERVER_NAME="bad name!"');
  });

  it('rejects a port out of range', () => {
    expect(() => loadAppConfig({ PORT: '70000' })).toThrow(ConfigError);
  });

  it('rejects a WAL checkpoint interval below 100 pages', () => {
    expect(() => loadAppConfig({ DATABASE_WAL_AUTOCHECKPOINT_PAGES: '10' })).toThrow(ConfigError);
    expect(loadAppConfig({ DATABASE_WAL_AUTOCHECKPOINT_PAGES: '1000' }).DATABASE_WAL_AUTOCHECKPOINT_PAGES).toBe(1000);
  });

  it('uses SQLite unless DATABASE_URL names a PostgreSQL database', () => {
    expect(loadAppConfig({}).DATABASE_URL).toBeUndefined();
    expect(loadAppConfig({}).DATABASE_POOL_SIZE).toBe(10);
    const config = loadAppConfig({ DATABASE_URL: 'postgresql://app@db.internal:6432/rooms', DATABASE_POOL_SIZE: '25' });
    expect(config.DATABASE_URL).toBe('postgresql://app@db.internal:6432/rooms');
    expect(config.DATABASE_POOL_SIZE).toBe(25);
  });

  it('refuses a DATABASE_URL that is malformed, of another scheme or without a database, hiding its password', () => {
    for (const url of ['not a url', 'mysql://root@localhost/rooms', 'postgres://app@localhost', 'postgres://app:s3cret@/rooms']) {
      let error: unknown;
      try {
        loadAppConfig({ DATABASE_URL: url });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL=".*": must be a PostgreSQL URL/)]);
      expect(problems[0]).not.toContain('s3cret');
    }
    expect(() => loadAppConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(ConfigError);
    expect(loadAppConfig({}).DATABASE_SYNCHRONOUS_COMMIT).toBe('off');
    expect(loadAppConfig({ DATABASE_SYNCHRONOUS_COMMIT: 'on' }).DATABASE_SYNCHRONOUS_COMMIT).toBe('on');
    expect(() => loadAppConfig({ DATABASE_SYNCHRONOUS_COMMIT: 'local' })).toThrow(ConfigError);
  });

  it('takes REDIS_URL only with a PostgreSQL DATABASE_URL, and names what is missing', () => {
    expect(loadAppConfig({}).REDIS_URL).toBeUndefined();
    const config = loadAppConfig({ REDIS_URL: 'redis://cache.internal:6380/2', DATABASE_URL: 'postgres://app@db/rooms', REDIS_KEY_PREFIX: 'rooms-eu:' });
    expect([config.REDIS_URL, config.REDIS_KEY_PREFIX]).toEqual(['redis://cache.internal:6380/2', 'rooms-eu:']);
    expect(() => loadAppConfig({ REDIS_URL: 'redis://cache.internal' })).toThrow(/REDIS_URL="redis:\/\/cache.internal": needs DATABASE_URL/);
    expect(() => loadAppConfig({ REDIS_URL: 'http://x:s3cret@cache', DATABASE_URL: 'postgres://app@db/rooms' })).toThrow(/REDIS_URL="http:\/\/x:\*\*\*@cache": must be a Redis URL/);
    expect(() => loadAppConfig({ REDIS_URL: 'redis://c', DATABASE_URL: 'postgres://app@db/rooms', REDIS_KEY_PREFIX: 'a b' })).toThrow(/REDIS_KEY_PREFIX/);
    expect(loadAppConfig({ WORKERS: '3', REDIS_URL: 'redis://c', DATABASE_URL: 'postgres://app@db/rooms' }).WORKERS).toBe(3);
    expect(() => loadAppConfig({ WORKERS: '3' })).toThrow(/WORKERS="3": more than 1 needs REDIS_URL/);
    expect(() => loadAppConfig({ WORKERS: '0' })).toThrow(/WORKERS/);
  });

  it('takes where a process serves the others: an address and a port, any free one by default', () => {
    const cluster = { REDIS_URL: 'redis://c', DATABASE_URL: 'postgres://app@db/rooms' };
    expect([loadAppConfig(cluster).CLUSTER_HOST, loadAppConfig(cluster).CLUSTER_PORT]).toEqual(['127.0.0.1', 0]);
    const set = loadAppConfig({ ...cluster, CLUSTER_HOST: '10.0.4.17', CLUSTER_PORT: '7410' });
    expect([set.CLUSTER_HOST, set.CLUSTER_PORT]).toEqual(['10.0.4.17', 7410]);
    expect(loadAppConfig({ ...cluster, CLUSTER_HOST: 'fd00::4' }).CLUSTER_HOST).toBe('fd00::4');
    expect(() => loadAppConfig({ ...cluster, CLUSTER_HOST: 'http://10.0.4.17/' })).toThrow(/CLUSTER_HOST/);
    expect(() => loadAppConfig({ ...cluster, CLUSTER_PORT: '70000' })).toThrow(/CLUSTER_PORT/);
  });

  it('redacts the password of a database URL, malformed or not', () => {
    expect(redactDatabaseUrl('postgres://app:s3cret@db:5432/rooms')).toBe('postgres://app:***@db:5432/rooms');
    expect(redactDatabaseUrl('postgres://app:s3cret@')).toBe('postgres://app:***@');
    expect(redactDatabaseUrl('postgres://app@db/rooms')).toBe('postgres://app@db/rooms');
  });
});

describe('presence settings', () => {
  it('defaults to the msc3032 policy with Synapse timers, syncs not counting as activity', () => {
    const config = loadAppConfig({});
    expect(config.PRESENCE_POLICY).toBe('msc3032');
    expect(config.PRESENCE_IDLE_TIMEOUT_MS).toBe(300_000);
    expect(config.PRESENCE_SYNC_ONLINE_TIMEOUT_MS).toBe(30_000);
    expect(config.PRESENCE_BUSY_TIMEOUT_MS).toBe(3_600_000);
    expect(config.PRESENCE_LAST_ACTIVE_GRANULARITY_MS).toBe(60_000);
    expect(config.presenceSyncIsActivity).toBe(false);
  });

  it('counts syncs as activity under the legacy policy unless told otherwise', () => {
    expect(loadAppConfig({ PRESENCE_POLICY: 'legacy' }).presenceSyncIsActivity).toBe(true);
    expect(loadAppConfig({ PRESENCE_POLICY: 'legacy', PRESENCE_SYNC_IS_ACTIVITY: 'false' }).presenceSyncIsActivity).toBe(false);
    expect(loadAppConfig({ PRESENCE_SYNC_IS_ACTIVITY: 'true' }).presenceSyncIsActivity).toBe(true);
  });

  it('publishes every visible change within a minute by default, readers deriving currently_active lapsing', () => {
    const config = loadAppConfig({});
    expect(config.PRESENCE_MAX_LAG_MS).toBe(60_000);
    expect(config.PRESENCE_SETTLE_MS).toBe(60_000);
    expect(config.PRESENCE_MIN_PUBLISH_INTERVAL_MS).toBe(0);
    expect(config.PRESENCE_OFFLINE_GRACE_MS).toBe(0);
    expect(config.PRESENCE_PUBLISH_ACTIVITY_LAPSES).toBe('true');
    expect(config.PRESENCE_PUBLISH_ACTIVITY_BLIPS).toBe('false');
  });

  it('refuses a pacing knob beyond PRESENCE_MAX_LAG_MS, naming the bound, and accepts it once the bound is raised', () => {
    for (const key of ['PRESENCE_SETTLE_MS', 'PRESENCE_MIN_PUBLISH_INTERVAL_MS', 'PRESENCE_OFFLINE_GRACE_MS']) {
      expect(() => loadAppConfig({ [key]: '600000' })).toThrow(/must not exceed PRESENCE_MAX_LAG_MS=60000/);
      expect(loadAppConfig({ [key]: '600000', PRESENCE_MAX_LAG_MS: '600000' })[key as 'PRESENCE_SETTLE_MS']).toBe(600_000);
    }
  });

  it('keeps presence history for ever unless a retention is set, purging hourly by default', () => {
    expect(loadAppConfig({}).PRESENCE_HISTORY_RETENTION_MS).toBeUndefined();
    expect(loadAppConfig({}).PRESENCE_HISTORY_PURGE_INTERVAL_MS).toBe(3_600_000);
    expect(loadAppConfig({ PRESENCE_HISTORY_RETENTION_MS: '604800000' }).PRESENCE_HISTORY_RETENTION_MS).toBe(604_800_000);
  });

  it('accepts a fractional rate limit', () => {
    expect(loadAppConfig({ RATE_LIMIT_PRESENCE_PER_SECOND: '0.5' }).RATE_LIMIT_PRESENCE_PER_SECOND).toBe(0.5);
  });

  it.each([
    ['PRESENCE_POLICY', 'whatever'],
    ['PRESENCE_ENABLED', 'yes'],
    ['PRESENCE_IDLE_TIMEOUT_MS', '10'],
    ['PRESENCE_SYNC_IS_ACTIVITY', 'sometimes'],
    ['RATE_LIMIT_PRESENCE_BURST', '0'],
    ['PRESENCE_MAX_LAG_MS', '-1'],
    ['PRESENCE_PUBLISH_ACTIVITY_LAPSES', 'yes'],
    ['PRESENCE_PUBLISH_ACTIVITY_BLIPS', '1'],
    ['PRESENCE_HISTORY_RETENTION_MS', '0'],
    ['PRESENCE_HISTORY_RETENTION_MS', '7d'],
    ['PRESENCE_HISTORY_PURGE_INTERVAL_MS', '10'],
  ])('refuses %s=%s', (key, value) => {
    expect(() => loadAppConfig({ [key]: value })).toThrow(ConfigError);
  });
});

describe('legacy deprecation settings', () => {
  it('defaults every surface to enabled', () => {
    const config = loadAppConfig({});
    expect([config.LEGACY_PRESENCE_GET, config.LEGACY_PRESENCE_PUT, config.LEGACY_SYNC_SET_PRESENCE, config.LEGACY_SYNC_PRESENCE]).toEqual([
      'enabled',
      'enabled',
      'enabled',
      'enabled',
    ]);
  });

  it.each([
    ['LEGACY_PRESENCE_GET', 'gone'],
    ['LEGACY_SYNC_PRESENCE', 'Deprecated'],
    ['LEGACY_SUNSET', 'next tuesday'],
  ])('refuses %s=%s at startup', (key, value) => {
    expect(() => loadAppConfig({ [key]: value })).toThrow(ConfigError);
  });

  it('accepts an HTTP date for the sunset', () => {
    expect(loadAppConfig({ LEGACY_SUNSET: 'Sat, 01 Jan 2028 00:00:00 GMT' }).LEGACY_SUNSET).toBe('Sat, 01 Jan 2028 00:00:00 GMT');
  });
});
