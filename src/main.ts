import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { closeApp, createApp } from './app.js';
import { runPrimary } from './cluster/workers.js';
import { listenError, StartupError } from './common/startup-error.js';
import { type AppConfig, ConfigError, loadAppConfig } from './config/app-config.js';
import { startupSummary } from './config/startup-summary.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    const config = loadAppConfig(process.env);
    if (config.WORKERS > 1 && cluster.isPrimary) return runPrimary(config.WORKERS);
    const app = await createApp(config);
    const port = await listen(app, config);
    new Logger('presence-rooms').log(startupSummary(config, port));
    stopOnSignals(app, config);
  } catch (error) {
    // What the operator can fix is said in their terms and nothing else; anything else is a bug.
    if (error instanceof ConfigError || error instanceof StartupError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

/** Listens on HOST:PORT; returns the port, which the system chooses when PORT is 0. */
async function listen(app: NestFastifyApplication, config: AppConfig): Promise<number> {
  try {
    // Fastify's own listen: Nest's would also log the failure, which is reported here in one line.
    const fastify = app.getHttpAdapter().getInstance();
    await fastify.listen({ port: config.PORT, host: config.HOST });
    const address = fastify.server.address();
    return typeof address === 'object' && address !== null ? address.port : config.PORT;
  } catch (error) {
    throw listenError(error, config.HOST, config.PORT) ?? error;
  }
}

/**
 * SIGTERM or SIGINT stops the server (closeApp) and exits 0; a failure on the way exits 1. The
 * shutdown destroys what is still connected at SHUTDOWN_TIMEOUT_MS; should it still not have
 * finished (the database not answering) once as long again has passed, the process exits 1.
 */
function stopOnSignals(app: NestFastifyApplication, config: AppConfig): void {
  const logger = new Logger('presence-rooms');
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping, within ${config.SHUTDOWN_TIMEOUT_MS} ms`);
    setTimeout(() => {
      logger.error('Shutdown did not finish; exiting without it');
      process.exit(1);
    }, 2 * config.SHUTDOWN_TIMEOUT_MS).unref();
    closeApp(app, config.SHUTDOWN_TIMEOUT_MS).then(
      () => {
        logger.log('Stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('Shutdown failed', error instanceof Error ? error.stack : String(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
