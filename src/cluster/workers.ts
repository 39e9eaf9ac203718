import { Logger } from '@nestjs/common';
import cluster from 'node:cluster';

/** A worker that exits this soon after starting failed to start: it is not forked again. */
const START_GRACE_MS = 30_000;

/**
 * The primary of `WORKERS=N npm start` (node:cluster): forks N server processes, which share the
 * one listening port, forks again one that dies while serving, and on SIGTERM / SIGINT passes the
 * signal on and exits once every worker has stopped (1 if any failed to stop cleanly).
 */
export function runPrimary(workers: number): void {
  const logger = new Logger('presence-rooms');
  const startedAt = new Map<number, number>();
  let stopping = false;
  let failed = false;

  const fork = () => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
  };

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (stopping) {
      // A worker still starting has no handler yet, and ends by the signal itself: nothing was under way.
      if (code !== 0 && signal !== 'SIGTERM' && signal !== 'SIGINT') failed = true;
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(failed ? 1 : 0);
      return;
    }
    if (lived < START_GRACE_MS && code !== 0 && signal === null) {
      // A start that fails (configuration, database) would fail again: stop everything instead.
      logger.error(`Worker ${worker.process.pid} failed to start (exit ${code}); stopping`);
      stopping = true;
      failed = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(1);
      return;
    }
    logger.warn(`Worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another`);
    fork();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping ${Object.keys(cluster.workers ?? {}).length} workers`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  logger.log(`Starting ${workers} workers on one port`);
  for (let index = 0; index < workers; index += 1) fork();
}
