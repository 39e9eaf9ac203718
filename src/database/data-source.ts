import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { StartupError } from '../common/startup-error.js';
import type { AppConfig } from '../config/app-config.js';
import { entities } from './entities.js';
import { openPostgres, postgresOptions } from './postgres.js';

/**
 * The one description of the database, used by Nest and by the TypeORM CLI: PostgreSQL when
 * DATABASE_URL is set, else a SQLite file. Schema changes only through migrations, run at boot.
 */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  return config.DATABASE_URL ? postgresOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE, config.DATABASE_SYNCHRONOUS_COMMIT) : sqliteOptions(config);
}

/**
 * SQLite through better-sqlite3 (TypeORM 1.x's SQLite driver); WAL lets readers run beside the
 * writer and keeps commits cheap.
 */
function sqliteOptions(config: AppConfig): DataSourceOptions {
  if (config.DATABASE_PATH !== ':memory:') {
    try {
      mkdirSync(dirname(config.DATABASE_PATH), { recursive: true });
    } catch (error) {
      throw databaseError(config.DATABASE_PATH, error);
    }
  }
  return {
    type: 'better-sqlite3',
    database: config.DATABASE_PATH,
    enableWAL: true,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma(`wal_autocheckpoint = ${config.DATABASE_WAL_AUTOCHECKPOINT_PAGES}`);
    },
    entities,
    migrations,
    migrationsRun: true,
    synchronize: false,
    logging: ['error'],
  };
}

/**
 * SQLite's failures that are about the file (where it is, its permissions, its contents, the
 * disk), which the operator can fix; any other failure (a migration's SQL) is a bug.
 */
const FILE_PROBLEM = /^SQLITE_(CANTOPEN|NOTADB|CORRUPT|READONLY|PERM|AUTH|IOERR|FULL|BUSY|LOCKED)/;

/**
 * Opens the database and runs the migrations. A failure the operator can fix (the SQLite file,
 * the PostgreSQL server) names DATABASE_PATH or DATABASE_URL.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  if (options.type === 'postgres') return openPostgres(options);
  const path = String(options.database);
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (isDirectory(path) || (typeof code === 'string' && FILE_PROBLEM.test(code))) throw databaseError(path, error);
    throw error;
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function databaseError(path: string, error: unknown): StartupError {
  // SQLite says only "unable to open database file" of a directory.
  const reason = isDirectory(path) ? 'it is a directory, not a database file' : error instanceof Error ? error.message : String(error);
  return new StartupError(`Cannot use the database DATABASE_PATH=${path}: ${reason}`, { cause: error });
}
