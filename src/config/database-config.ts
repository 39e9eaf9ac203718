import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, Validate } from 'class-validator';
import { IsPostgresUrl } from './config-constraints.js';
import { toInt } from './config-transforms.js';
import { ServerConfig } from './server-config.js';

/** Where the data lives: a PostgreSQL server when DATABASE_URL is set, else a SQLite file. */
export class DatabaseConfig extends ServerConfig {
  /** `postgres://user[:password]@host[:port]/database`; selects PostgreSQL over DATABASE_PATH. */
  @IsOptional()
  @Validate(IsPostgresUrl)
  DATABASE_URL?: string;

  /** Connections the PostgreSQL pool may open at once. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  DATABASE_POOL_SIZE = 10;

  /**
   * PostgreSQL's `synchronous_commit` for the server's connections. `off` answers a commit once it
   * is in PostgreSQL's memory: it survives the server process crashing, as SQLite's WAL commits do
   * at `synchronous = NORMAL`, and a PostgreSQL crash or power loss may lose the last fraction of a
   * second (never corrupting anything). `on` waits for the disk flush of each commit.
   */
  @IsIn(['on', 'off'])
  DATABASE_SYNCHRONOUS_COMMIT: 'on' | 'off' = 'off';

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
}

/** A database URL fit to print: its password, if any, replaced by `***` (also in a malformed URL). */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

/** Where the server keeps its data, in one phrase, for logs and errors. */
export function describeDatabase(config: DatabaseConfig): string {
  return config.DATABASE_URL ? redactDatabaseUrl(config.DATABASE_URL) : config.DATABASE_PATH;
}
