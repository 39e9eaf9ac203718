import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../src/config/app-config.js';
import { dataSourceOptions } from '../src/database/data-source.js';
import { TestClient } from './support/client.js';
import { startTestServer } from './support/test-server.js';

describe('migrations', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'presence-rooms-migrations-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('revert cleanly to an empty database and apply again', async () => {
    const options = dataSourceOptions(loadAppConfig({ DATABASE_PATH: join(dir, 'db.sqlite') }));
    const dataSource = new DataSource({ ...options, migrationsRun: false });
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations();
      expect(applied.length).toBeGreaterThan(0);
      for (let n = 0; n < applied.length; n += 1) await dataSource.undoLastMigration();
      const tables = await dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`);
      expect(tables.map((row: { name: string }) => row.name)).toEqual(['migrations']);
      expect((await dataSource.runMigrations()).length).toBe(applied.length);
    } finally {
      await dataSource.destroy();
    }
  });

  it('are not re-applied at boot on a database holding data', async () => {
    const databasePath = join(dir, 'db.sqlite');
    const first = await startTestServer({}, { databasePath });
    const alice = await TestClient.register(first.baseUrl);
    await first.stop();
    const second = await startTestServer({}, { databasePath });
    try {
      const again = new TestClient(second.baseUrl, alice.userId, alice.accessToken, alice.deviceId);
      expect((await again.ok('GET', '/account/whoami')).user_id).toBe(alice.userId);
    } finally {
      await second.stop();
    }
  });
});
