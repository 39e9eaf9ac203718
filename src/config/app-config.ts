import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';

/** How the server writes the identifiers the MSCs have not stabilised yet. */
export type MscIdentifierMode = 'stable' | 'unstable';
export type ProfileVisibility = 'public' | 'restricted';
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
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
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Builds the validated configuration from an environment map; unknown keys are ignored. */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const known = Object.keys(new AppConfig());
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
