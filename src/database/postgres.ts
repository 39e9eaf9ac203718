import { DataSource, MigrationExecutor, type DataSourceOptions } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions.js';
import { migrations } from '../../migrations/index.js';
import { StartupError } from '../common/startup-error.js';
import type { AppConfig } from '../config/app-config.js';
import { redactDatabaseUrl } from '../config/database-config.js';
import { entities } from './entities.js';

/** How long connecting may take before the server gives up: an unreachable host must not hang start-up. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The advisory lock every server process takes around its migrations on a PostgreSQL database
 * (one 64-bit key, fixed: "prmigrat" in ASCII), so that processes starting at once apply each
 * migration once, the others waiting and then finding nothing left to do.
 */
export const MIGRATION_LOCK_KEY = '8102940346727162228';

/** PostgreSQL through `pg`'s pool; the migrations are run by `openPostgres`, under the lock. */
export function postgresOptions(url: string, poolSize: number, synchronousCommit: AppConfig['DATABASE_SYNCHRONOUS_COMMIT'] = 'off'): PostgresDataSourceOptions {
  return {
    type: 'postgres',
    url,
    poolSize,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    applicationName: 'presence-rooms',
    // Set for each connection as it opens, so no statement pays for it.
    extra: { options: `-c synchronous_commit=${synchronousCommit}` },
    entities,
    migrations,
    migrationsRun: false,
    synchronize: false,
    logging: ['error'],
  };
}

/** Connects (a failure the operator can fix names DATABASE_URL) and migrates under the advisory lock. */
export async function openPostgres(options: PostgresDataSourceOptions): Promise<DataSource> {
  let dataSource: DataSource;
  try {
    dataSource = await new DataSource(options as DataSourceOptions).initialize();
  } catch (error) {
    if (isConnectionProblem(error)) {
      throw new StartupError(`Cannot use the database DATABASE_URL=${redactDatabaseUrl(String(options.url))}: ${reasonOf(error)}`, { cause: error });
    }
    throw error;
  }
  try {
    await migrateUnderLock(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/**
 * Applies the pending migrations holding a session-level advisory lock. They run on the very
 * connection that holds the lock, so a pool of one connection cannot deadlock, and in one
 * transaction, so a failure leaves the schema as it was.
 */
export async function migrateUnderLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'all';
      await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}

/** Network failures, and SQLSTATE classes 08 (connection), 28 (authorization), 3D (no such database), 53/57P (server refusing). */
const SQLSTATE_PROBLEM = /^(08|28|3D|53|57P)/;

function isConnectionProblem(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return /^E[A-Z]+$/.test(code) || SQLSTATE_PROBLEM.test(code);
  // pg's own connection timeout has no code.
  return error instanceof Error && /timeout/i.test(error.message);
}

/** The error's message; Node's happy-eyeballs connect fails with an empty AggregateError, named by its code. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  const inner = error instanceof AggregateError ? error.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))) : [];
  return inner.length > 0 ? inner.join('; ') : String((error as { code?: unknown }).code ?? error.name);
}
