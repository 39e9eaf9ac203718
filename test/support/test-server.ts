import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.js';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestServer {
  baseUrl: string;
  config: AppConfig;
  app: NestFastifyApplication;
  database: TestDatabase;
  /** Stops the server; the database stays until `close` (or its owner drops it). */
  stop(): Promise<void>;
  /** Stops the server and drops its database, unless it was given one. */
  close(): Promise<void>;
}

/**
 * Boots the real application on an ephemeral port with a fresh database (or the given one, to
 * start again on what an earlier server left) and the real migrations, as `npm start` would.
 * The database is a SQLite file, or a PostgreSQL database under `npm run test:pg`.
 */
export async function startTestServer(env: Record<string, string> = {}, options: { database?: TestDatabase } = {}): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const config = loadAppConfig({
    ...database.env,
    // Tests open several servers at once; few connections each keep within PostgreSQL's 100.
    DATABASE_POOL_SIZE: '4',
    PORT: '0',
    LOG_LEVEL: 'error',
    // The cheapest allowed hash keeps registration-heavy tests fast.
    PASSWORD_HASH_COST: '10',
    ...env,
  });
  let app: NestFastifyApplication;
  try {
    app = await createApp(config);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    if (!options.database) await database.drop();
    throw error;
  }
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.close();
  };
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    config,
    app,
    database,
    stop,
    close: async () => {
      await stop();
      if (!options.database) await database.drop();
    },
  };
}
