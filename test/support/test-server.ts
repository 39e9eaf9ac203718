import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.js';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.js';

export interface TestServer {
  baseUrl: string;
  config: AppConfig;
  app: NestFastifyApplication;
  databasePath: string;
  /** Stops the server; the database file stays until `cleanup`. */
  stop(): Promise<void>;
  /** Stops the server and removes its database. */
  close(): Promise<void>;
}

/**
 * Boots the real application on an ephemeral port with a fresh SQLite file (or the given one)
 * and the real migrations, as `npm start` would.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { databasePath?: string } = {},
): Promise<TestServer> {
  const dir = options.databasePath ? undefined : mkdtempSync(join(tmpdir(), 'presence-rooms-'));
  const databasePath = options.databasePath ?? join(dir!, 'test.sqlite');
  const config = loadAppConfig({
    DATABASE_PATH: databasePath,
    PORT: '0',
    LOG_LEVEL: 'error',
    // The cheapest allowed hash keeps registration-heavy tests fast.
    PASSWORD_HASH_COST: '10',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
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
    databasePath,
    stop,
    close: async () => {
      await stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
