import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import { StartupError } from '../common/startup-error.js';
import type { AppConfig } from '../config/app-config.js';
import { entities } from './entities.js';

/**
 * The one description of the database, used by Nest and by the TypeORM CLI. SQLite is reached
 * through better-sqlite3 (TypeORM 1.x's SQLite driver); WAL lets readers run beside the writer
 * and keeps commits cheap. Schema changes only through migrations, run at boot.
 */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
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

/** Opens the database and runs the migrations; a failure names DATABASE_PATH and the reason. */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    throw databaseError(String(options.database), error);
  }
}

function databaseError(path: string, error: unknown): StartupError {
  // SQLite says only "unable to open database file" of a directory.
  const isDirectory = statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const reason = isDirectory ? 'it is a directory, not a database file' : error instanceof Error ? error.message : String(error);
  return new StartupError(`Cannot use the database DATABASE_PATH=${path}: ${reason}`, { cause: error });
}
