import { DataSource } from 'typeorm';
import pg from 'pg';
import { migrations } from '../migrations/index.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { dataSourceOptions, openDataSource } from '../src/database/data-source.js';
import { MIGRATION_LOCK_KEY } from '../src/database/postgres.js';
import { request, TestClient, uniqueName } from './support/client.js';
import { createTestDatabase, onPostgres, type TestDatabase } from './support/test-database.js';
import { startTestServer } from './support/test-server.js';

const enc = encodeURIComponent;

/** A connection to `database` that runs no migration by itself. */
async function connect(database: TestDatabase): Promise<DataSource> {
  return new DataSource({ ...dataSourceOptions(loadAppConfig(database.env)), migrationsRun: false }).initialize();
}

/** The entity tables that exist now. */
async function entityTables(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const names = dataSource.entityMetadatas.map((metadata) => metadata.tableName);
    const present = await Promise.all(names.map(async (name) => ((await runner.hasTable(name)) ? name : null)));
    return present.filter((name): name is string => name !== null);
  } finally {
    await runner.release();
  }
}

async function appliedNames(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await dataSource.query('SELECT name FROM migrations ORDER BY id');
  return rows.map((row) => row.name);
}

/** Every migration's up and down, on SQLite and (under `npm run test:pg`) PostgreSQL. */
describe('migrations', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(() => database.drop());

  it('revert one by one on a database holding data, and a server applying them again reads it', async () => {
    const first = await startTestServer({}, { database });
    const username = uniqueName();
    const alice = await TestClient.register(first.baseUrl, username, 'pw');
    const roomId = await alice.createRoom({ name: 'kept', preset: 'public_chat' });
    const eventId = await alice.send(roomId, { msgtype: 'm.text', body: 'kept across migrations' });
    await first.stop();

    const dataSource = await connect(database);
    const tables = ['users', 'devices', 'rooms', 'events', 'room_state', 'room_memberships'];
    const counts = async () =>
      Promise.all(tables.map(async (table) => Number((await dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n)));
    const before = await counts();
    expect(before.every((count) => count > 0)).toBe(true);
    try {
      // Every down but the first migration's, each on the rows the server wrote.
      for (let n = migrations.length; n > 1; n -= 1) {
        await dataSource.undoLastMigration();
        expect(await counts()).toEqual(before);
      }
      expect(await appliedNames(dataSource)).toEqual([migrations[0].name]);
    } finally {
      await dataSource.destroy();
    }

    // Every up but the first, each on those rows, by the next server's boot.
    const second = await startTestServer({}, { database });
    try {
      const again = new TestClient(second.baseUrl, alice.userId, alice.accessToken, alice.deviceId);
      expect((await again.ok('GET', '/account/whoami')).user_id).toBe(alice.userId);
      expect((await request(second.baseUrl, 'POST', '/login', { type: 'm.login.password', user: username, password: 'pw' })).status).toBe(200);
      expect((await again.ok('GET', `/rooms/${enc(roomId)}/event/${enc(eventId)}`)).content.body).toBe('kept across migrations');
      expect(await again.ok('GET', `/rooms/${enc(roomId)}/state/m.room.name`)).toEqual({ name: 'kept' });
    } finally {
      await second.stop();
    }
  });

  it('revert cleanly to an empty database and apply again', async () => {
    const dataSource = await connect(database);
    try {
      const applied = await dataSource.runMigrations();
      expect(applied.map((migration) => migration.name)).toEqual(migrations.map((migration) => new migration().name));
      expect((await entityTables(dataSource)).length).toBe(dataSource.entityMetadatas.length);
      for (let n = 0; n < applied.length; n += 1) await dataSource.undoLastMigration();
      expect(await entityTables(dataSource)).toEqual([]);
      expect(await appliedNames(dataSource)).toEqual([]);
      expect((await dataSource.runMigrations()).length).toBe(applied.length);
    } finally {
      await dataSource.destroy();
    }
  });

  it('are not re-applied at boot on a database holding data', async () => {
    const first = await startTestServer({}, { database });
    const alice = await TestClient.register(first.baseUrl);
    await first.stop();
    const second = await startTestServer({}, { database });
    try {
      const again = new TestClient(second.baseUrl, alice.userId, alice.accessToken, alice.deviceId);
      expect((await again.ok('GET', '/account/whoami')).user_id).toBe(alice.userId);
    } finally {
      await second.stop();
    }
  });

  // The lock is PostgreSQL's: a SQLite file is served by one process, which runs them alone.
  const onPostgresOnly = onPostgres ? it : it.skip;

  onPostgresOnly('run once when two processes start at once on an empty database', async () => {
    const options = dataSourceOptions(loadAppConfig(database.env));
    const both = await Promise.all([openDataSource(options), openDataSource(options)]);
    try {
      expect(await appliedNames(both[0])).toEqual(migrations.map((migration) => new migration().name));
      expect((await entityTables(both[1])).length).toBe(both[1].entityMetadatas.length);
    } finally {
      await Promise.all(both.map((dataSource) => dataSource.destroy()));
    }
  });

  onPostgresOnly('run on connections with the configured synchronous_commit', async () => {
    for (const setting of ['off', 'on']) {
      const dataSource = await openDataSource(dataSourceOptions(loadAppConfig({ ...database.env, DATABASE_SYNCHRONOUS_COMMIT: setting })));
      try {
        expect(await dataSource.query('SHOW synchronous_commit')).toEqual([{ synchronous_commit: setting }]);
      } finally {
        await dataSource.destroy();
      }
    }
  });

  onPostgresOnly('wait for the advisory lock another process holds', async () => {
    const holder = new pg.Client({ connectionString: database.env.DATABASE_URL });
    await holder.connect();
    let opened: Promise<DataSource> | undefined;
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      opened = openDataSource(dataSourceOptions(loadAppConfig(database.env)));
      // Until the server's connection is seen waiting for the lock, without a clock.
      for (;;) {
        const waiting = await holder.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
        if (waiting.rowCount) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const tables = await holder.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'users'`);
      expect(tables.rowCount).toBe(0);
      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      const dataSource = await opened;
      expect(await appliedNames(dataSource)).toHaveLength(migrations.length);
      await dataSource.destroy();
    } finally {
      await holder.end();
    }
  });
});
