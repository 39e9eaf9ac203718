import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  Validate,
  validateSync,
} from 'class-validator';
import { PRESENCE_POLICIES, type PresencePolicyName } from '../presence/core/policies.js';
import { IsHttpDate, IsNotAbove } from './config-constraints.js';

/** How the server writes the identifiers the MSCs have not stabilised yet. */
export type MscIdentifierMode = 'stable' | 'unstable';
export type ProfileVisibility = 'public' | 'restricted';
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';
export const LEGACY_MODES = ['enabled', 'deprecated', 'removed'] as const;
export type LegacyMode = (typeof LEGACY_MODES)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;

/**
 * Every setting of the server, read once from the environment at boot and validated here;
 * nothing else reads process.env. Defaults are the documented ones (README, "Configuration").
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8008;

  @IsString()
  @IsNotEmpty()
  HOST = '127.0.0.1';

  /** The part after the colon in user and room IDs. A hostname with an optional port. */
  @Matches(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, {
    message: 'SERVER_NAME must be a hostname or IP literal with an optional port',
  })
  SERVER_NAME = 'localhost';

  @IsString()
  @IsNotEmpty()
  DATABASE_PATH = './data/presence-rooms.sqlite';

  /**
   * WAL pages written before SQLite copies them back into the database file. Larger means fewer
   * copies of the pages every presence change rewrites (a room's state, a user's row) and a WAL
   * file of up to this many 4 KiB pages.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  DATABASE_WAL_AUTOCHECKPOINT_PAGES = 10000;

  /**
   * How long a client may take to send a request's headers, and the whole request (headers and
   * body), before it is answered 408 and disconnected. They bound receiving the request only:
   * a long-poll's wait for its answer is not counted, whatever its `timeout`.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Validate(IsNotAbove, ['HTTP_REQUEST_TIMEOUT_MS'])
  HTTP_HEADERS_TIMEOUT_MS = 30_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  HTTP_REQUEST_TIMEOUT_MS = 60_000;

  /**
   * How long a keep-alive connection may sit idle between requests before it is closed; longer
   * than the 60 s a load balancer commonly keeps an idle connection, so that the proxy closes
   * first and never sends a request on a connection the server is just closing.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  @IsIn(['open', 'closed'])
  REGISTRATION: 'open' | 'closed' = 'open';

  @IsIn(['stable', 'unstable'])
  MSC_IDENTIFIERS: MscIdentifierMode = 'stable';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: LogLevel = 'log';

  /** Privacy of a new profile room; restricted keeps presence among people who share a room. */
  @IsIn(['public', 'restricted'])
  PROFILE_DEFAULT_VISIBILITY: ProfileVisibility = 'restricted';

  /** Cost of the scrypt password hash as log2(N); 15 takes about 50 ms on one core. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(20)
  PASSWORD_HASH_COST = 15;

  @Transform(toList)
  @IsString({ each: true })
  @Matches(/^@[^:]+:.+$/, { each: true, message: 'ADMIN_USERS must list user IDs' })
  ADMIN_USERS: string[] = [];

  /** `untracked`: client inputs are ignored, but presence is still served (as Synapse). */
  @IsIn(['true', 'false', 'untracked'])
  PRESENCE_ENABLED: 'true' | 'false' | 'untracked' = 'true';

  /** How inputs combine into the effective presence: see src/presence/core/policies.ts. */
  @IsIn(Object.keys(PRESENCE_POLICIES))
  PRESENCE_POLICY: PresencePolicyName = 'msc3032';

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PRESENCE_IDLE_TIMEOUT_MS = 300_000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PRESENCE_SYNC_ONLINE_TIMEOUT_MS = 30_000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PRESENCE_BUSY_TIMEOUT_MS = 3_600_000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PRESENCE_LAST_ACTIVE_GRANULARITY_MS = 60_000;

  /** Whether every /sync counts as activity; unset means false for msc3032, true for legacy. */
  @IsOptional()
  @IsIn(['true', 'false'])
  PRESENCE_SYNC_IS_ACTIVITY?: 'true' | 'false';

  /**
   * The longest any change others can see waits before it is written, whatever caused it
   * (PRODUCT.md 11.15); the pacing knobs below may not ask for longer.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  PRESENCE_MAX_LAG_MS = 60_000;

  /**
   * Automatic presence changes (idle, timeouts, currently_active, device reports) are written at
   * most this often per user; changes made by hand always at once. 0 writes every change.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Validate(IsNotAbove, ['PRESENCE_MAX_LAG_MS'])
  PRESENCE_MIN_PUBLISH_INTERVAL_MS = 0;

  /**
   * How long a change the clock makes (idle, currently_active lapsing, busy lapsing) must hold
   * before it is written; changes a request makes are written at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Validate(IsNotAbove, ['PRESENCE_MAX_LAG_MS'])
  PRESENCE_SETTLE_MS = 60_000;

  /**
   * How long going offline because every device timed out must hold before it is written: a
   * device back within it writes nothing. Going offline by request or by hand is written at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Validate(IsNotAbove, ['PRESENCE_MAX_LAG_MS'])
  PRESENCE_OFFLINE_GRACE_MS = 0;

  /**
   * Whether currently_active lapsing is written as an m.presence event. `false`: readers derive
   * it (currently active until last_active_ts + PRESENCE_LAST_ACTIVE_GRANULARITY_MS).
   */
  @IsIn(['true', 'false'])
  PRESENCE_PUBLISH_ACTIVITY_LAPSES: 'true' | 'false' = 'true';

  /**
   * Whether currently_active coming back is written when it lapses again by itself within
   * PRESENCE_MAX_LAG_MS (activity, then none for the granularity). `false` folds such a blip away.
   */
  @IsIn(['true', 'false'])
  PRESENCE_PUBLISH_ACTIVITY_BLIPS: 'true' | 'false' = 'false';

  /**
   * How often the presence timers are swept and device liveness written; what a client was told
   * was taken is written before the answer.
   */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  PRESENCE_TIMER_TICK_MS = 1000;

  /** Presence updates per user per second (legacy PUT, activity reports), with a burst. */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.001)
  RATE_LIMIT_PRESENCE_PER_SECOND = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PRESENCE_BURST = 5;

  /** How long an MSC2753 peek lasts unless renewed. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PEEK_EXPIRY_MS = 3_600_000;

  @Transform(toNumber)
  @IsNumber()
  @Min(0.001)
  RATE_LIMIT_PEEK_PER_SECOND = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PEEK_BURST = 10;

  /** Each legacy presence surface: `enabled`, `deprecated` (works, with headers) or `removed`. */
  @IsIn(LEGACY_MODES)
  LEGACY_PRESENCE_GET: LegacyMode = 'enabled';

  @IsIn(LEGACY_MODES)
  LEGACY_PRESENCE_PUT: LegacyMode = 'enabled';

  @IsIn(LEGACY_MODES)
  LEGACY_SYNC_SET_PRESENCE: LegacyMode = 'enabled';

  @IsIn(LEGACY_MODES)
  LEGACY_SYNC_PRESENCE: LegacyMode = 'enabled';

  /** When the legacy surfaces go away (RFC 8594 `Sunset`), as an HTTP date. */
  @IsOptional()
  @Validate(IsHttpDate)
  LEGACY_SUNSET?: string;

  /** When they were deprecated (RFC 9745 `Deprecation`); unset means the server's first start. */
  @IsOptional()
  @Validate(IsHttpDate)
  LEGACY_DEPRECATION_DATE?: string;

  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** Serve GraphiQL at /graphiql; unset means on outside production. */
  @IsOptional()
  @IsIn(['true', 'false'])
  GRAPHQL_IDE?: 'true' | 'false';

  /** How deep objects and arrays may nest in a request body (or an inline filter) before it is refused. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(1000)
  JSON_MAX_DEPTH = 64;

  /** The largest a sync filter may be, as JSON (stored or inline). */
  @Transform(toInt)
  @IsInt()
  @Min(256)
  FILTER_MAX_BYTES = 65_536;

  /** The most items a list in a filter (rooms, senders, types, event_fields, ...) may hold. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  FILTER_MAX_LIST_LENGTH = 1000;

  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(100)
  GRAPHQL_MAX_DEPTH = 10;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  GRAPHQL_MAX_COMPLEXITY = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

  /** How long a new WebSocket may take to send connection_init before it is closed (4408). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  GRAPHQL_WS_INIT_TIMEOUT_MS = 3000;

  /** WebSocket ping period; a connection that has not answered the previous ping is dropped. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  GRAPHQL_WS_KEEPALIVE_MS = 12_000;

  /** Largest WebSocket message on /graphql; a bigger one closes that socket with 1009. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  GRAPHQL_WS_MAX_PAYLOAD_BYTES = 64 * 1024;

  get graphqlIde(): boolean {
    return this.GRAPHQL_IDE === undefined ? this.NODE_ENV !== 'production' : this.GRAPHQL_IDE === 'true';
  }

  get presenceSyncIsActivity(): boolean {
    return this.PRESENCE_SYNC_IS_ACTIVITY === undefined
      ? this.PRESENCE_POLICY === 'legacy'
      : this.PRESENCE_SYNC_IS_ACTIVITY === 'true';
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Builds the validated configuration from an environment map; unknown keys are ignored. */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const optional = ['PRESENCE_SYNC_IS_ACTIVITY', 'LEGACY_SUNSET', 'LEGACY_DEPRECATION_DATE', 'GRAPHQL_IDE'];
  const known = [...Object.keys(new AppConfig()), ...optional];
  const provided = Object.fromEntries(
    known.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]),
  );
  const config = plainToInstance(AppConfig, provided);
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((error) => {
        const given = JSON.stringify(provided[error.property]);
        const reasons = Object.values(error.constraints ?? {}).join('; ');
        return `${error.property}=${given}: ${reasons}`;
      }),
    );
  }
  return config;
}
