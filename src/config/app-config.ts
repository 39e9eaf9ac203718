import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { redactDatabaseUrl } from './database-config.js';
import { ClusterConfig } from './cluster-config.js';

export { LEGACY_MODES, type LegacyMode } from './legacy-config.js';
export type { LogFormat } from './operations-config.js';
export type { LogLevel, MscIdentifierMode, ProfileVisibility } from './server-config.js';

/**
 * Every setting of the server, read once from the environment at boot and validated here;
 * nothing else reads process.env. Defaults are the documented ones (README, "Configuration").
 * The settings are declared by area, each area's class extending the one before.
 */
export class AppConfig extends ClusterConfig {}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Builds the validated configuration from an environment map; unknown keys are ignored. */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const optional = ['DATABASE_URL', 'PRESENCE_SYNC_IS_ACTIVITY', 'LEGACY_SUNSET', 'LEGACY_DEPRECATION_DATE', 'GRAPHQL_IDE', 'LOG_FORMAT', 'METRICS_TOKEN', 'REDIS_URL'];
  const known = [...Object.keys(new AppConfig()), ...optional];
  const provided = Object.fromEntries(
    known.filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]),
  );
  const config = plainToInstance(AppConfig, provided);
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((error) => {
        const value = provided[error.property];
        // A database URL may hold a password, which has no place in a log.
        const given = JSON.stringify((error.property === 'DATABASE_URL' || error.property === 'REDIS_URL') && typeof value === 'string' ? redactDatabaseUrl(value) : value);
        const reasons = Object.values(error.constraints ?? {}).join('; ');
        return `${error.property}=${given}: ${reasons}`;
      }),
    );
  }
  return config;
}
