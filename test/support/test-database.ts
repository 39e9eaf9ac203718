import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * The one switch between the databases the end-to-end suite runs on: SQLite files by default,
 * PostgreSQL under `npm run test:pg`, whose global set-up (postgres-setup.mjs) sets TEST_DATABASE,
 * the server every database of the run is made on (TEST_DATABASE_URL) and the run's name.
 */
export const onPostgres = process.env.TEST_DATABASE === 'postgres';

/** A fresh, empty database of its own for one server (or one server and its restarts). */
export interface TestDatabase {
  /** What points a server at it: DATABASE_PATH or DATABASE_URL. */
  readonly env: Record<string, string>;
  /** Runs SQL with `$1, $2, …` placeholders on a connection of its own, beside the server's. */
  query<T = Record<string, unknown>>(sql: string, parameters?: Array<string | number | null>): Promise<T[]>;
  /** Removes it; whatever used it must have stopped. */
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  return onPostgres ? createPostgresDatabase() : createSqliteDatabase();
}

function createSqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'presence-rooms-'));
  const path = join(dir, 'test.sqlite');
  return {
    env: { DATABASE_PATH: path },
    query: async <T>(sql: string, parameters: Array<string | number | null> = []) => {
      const database = new Database(path);
      try {
        // $n in order is what SQLite's anonymous `?` means.
        const statement = database.prepare(sql.replace(/\$\d+/g, '?'));
        return (statement.reader ? statement.all(...parameters) : (statement.run(...parameters), [])) as T[];
      } finally {
        database.close();
      }
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

let created = 0;

async function createPostgresDatabase(): Promise<TestDatabase> {
  const run = process.env.TEST_DATABASE_RUN;
  if (!run) throw new Error('TEST_DATABASE_RUN is unset: run the PostgreSQL suite with `npm run test:pg`');
  created += 1;
  // Unique across the run's workers; the run's teardown drops whatever starts with `run`.
  const name = `${run}_${process.env.JEST_WORKER_ID ?? 0}_${created}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${name}`;
  // One client, not a pool: pg.Pool's end() resolves before its connections have closed, so the
  // DROP ... WITH (FORCE) after it could cut one mid-close, an 'error' nobody listens to.
  let client: Promise<pg.Client> | undefined;
  const connected = () =>
    (client ??= (async () => {
      const opened = new pg.Client({ connectionString: url.href });
      await opened.connect();
      return opened;
    })());
  return {
    env: { DATABASE_URL: url.href },
    query: async <T>(sql: string, parameters: Array<string | number | null> = []) =>
      (await (await connected()).query(sql, parameters)).rows as T[],
    drop: async () => {
      // Client.end() resolves once the connection has closed.
      await (await client)?.end();
      await dropPostgresDatabase(name);
    },
  };
}

async function dropPostgresDatabase(name: string): Promise<void> {
  await onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** Runs `work` on a connection to the server's maintenance database, closed after. */
async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
