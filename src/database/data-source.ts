import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import type { AppConfig } from '../config/app-config.js';
import { entities } from './entities.js';

/**
 * The one description of the database, used by Nest and by the TypeORM CLI. SQLite is reached
 * through better-sqlite3 (TypeORM 1.x's SQLite driver); WAL lets readers run beside the writer
 * and keeps commits cheap. Schema changes only through migrations, run at boot.
 */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  if (config.DATABASE_PATH !== ':memory:') mkdirSync(dirname(config.DATABASE_PATH), { recursive: true });
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
