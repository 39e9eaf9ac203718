import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { processCpuMs } from './process-cpu.js';

/** Where a benchmarked server keeps its data: a fresh SQLite file, or a fresh PostgreSQL database. */
export type BenchDatabase = 'sqlite' | 'postgres';

/** The PostgreSQL server the `--db=postgres` runs make their databases on. */
const POSTGRES_SERVER_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface RunningServer {
  /** The first process's address (the only one unless several were asked for). */
  baseUrl: string;
  baseUrls: string[];
  pids: number[];
  process: ChildProcess;
  stderr: () => string;
  /**
   * CPU time (ms) each PostgreSQL backend serving the server has used so far, by process ID: the
   * database's share of a request, which runs outside the server's process. Empty on SQLite, whose
   * work is inside the server's own CPU time.
   */
  databaseCpuMs(): Promise<Map<number, number>>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Waits until a server process answers `/versions`. Fails with what it printed if it exits
 * first, and kills it if it has not answered within `timeoutMs`.
 */
export async function untilServing(child: ChildProcess, baseUrl: string, stderr: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited during start-up: ${stderr()}`);
    try {
      if ((await fetch(`${baseUrl}/_matrix/client/versions`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts the built server (dist/src/main.js) as its own process on a fresh SQLite file or
 * PostgreSQL database, as `npm start` would, and waits until it answers. With `processes` > 1
 * (PostgreSQL only), that many processes share the database and a Redis key prefix of their own
 * (BENCH_REDIS_URL), each on its own port: `baseUrls` lists them, `pids` their process IDs.
 */
export async function startServer(env: Record<string, string> = {}, database: BenchDatabase = 'sqlite', processes = 1): Promise<RunningServer> {
  if (processes > 1 && database !== 'postgres') throw new Error('several server processes need PostgreSQL');
  const dir = mkdtempSync(join(tmpdir(), 'presence-rooms-bench-'));
  const postgres = database === 'postgres' ? await createPostgresDatabase() : null;
  const cluster: Record<string, string> = processes > 1 ? { REDIS_URL, REDIS_KEY_PREFIX: `bench_${process.pid}_${Date.now().toString(36)}:` } : {};
  const children: Array<{ child: ChildProcess; baseUrl: string; stderr: () => string }> = [];
  try {
    // One after another: the first migrates the fresh database.
    for (let index = 0; index < processes; index += 1) {
      children.push(await spawnServer({ ...(postgres ? { DATABASE_URL: postgres.url } : { DATABASE_PATH: join(dir, 'bench.sqlite') }), ...cluster, ...env }));
    }
  } catch (error) {
    for (const { child } of children) child.kill('SIGKILL');
    await postgres?.drop();
    throw error;
  }
  const [first] = children;
  return {
    baseUrl: first.baseUrl,
    baseUrls: children.map((one) => one.baseUrl),
    pids: children.map((one) => one.child.pid!),
    process: first.child,
    stderr: () => children.map((one) => one.stderr()).join(''),
    databaseCpuMs: async () => (postgres ? postgres.backendsCpuMs() : new Map()),
    stop: async () => {
      await Promise.all(children.map(({ child }) => stopChild(child)));
      rmSync(dir, { recursive: true, force: true });
      await postgres?.drop();
    },
  };
}

/**
 * `count` servers of one process each, each on its own fresh database and sharing nothing, seen
 * as one: the control beside a cluster of as many processes (every process busy on the same
 * machine, with no coordination between them).
 */
export async function startSeparateServers(env: Record<string, string>, database: BenchDatabase, count: number): Promise<RunningServer> {
  const servers: RunningServer[] = [];
  try {
    for (let index = 0; index < count; index += 1) servers.push(await startServer(env, database, 1));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  const [first] = servers;
  return {
    baseUrl: first.baseUrl,
    baseUrls: servers.map((server) => server.baseUrl),
    pids: servers.map((server) => server.pids[0]),
    process: first.process,
    stderr: () => servers.map((server) => server.stderr()).join(''),
    databaseCpuMs: async () => new Map((await Promise.all(servers.map((server) => server.databaseCpuMs()))).flatMap((cpu) => [...cpu])),
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

/** The Redis the `--cluster=N` runs share (each run under a key prefix of its own). */
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function spawnServer(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string; stderr: () => string }> {
  const port = await freePort();
  // BENCH_SERVER_NODE_OPTIONS passes flags to the server process, e.g. "--cpu-prof --cpu-prof-dir=prof".
  const nodeOptions = (process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeOptions, 'dist/src/main.js'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_COST: '10',
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  await untilServing(child, baseUrl, () => stderr, 30_000);
  return { child, baseUrl, stderr: () => stderr };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

let databases = 0;

/** A fresh database on BENCH_DATABASE_URL's server, and a connection beside it to watch and drop it. */
async function createPostgresDatabase(): Promise<{ url: string; backendsCpuMs(): Promise<Map<number, number>>; drop(): Promise<void> }> {
  databases += 1;
  const name = `presence_rooms_bench_${process.pid}_${databases}`;
  const admin = new pg.Client({ connectionString: POSTGRES_SERVER_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_SERVER_URL);
  url.pathname = `/${name}`;
  // Process IDs of another machine's backends mean nothing in this one's /proc.
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  return {
    url: url.href,
    backendsCpuMs: async () => {
      if (!local) return new Map();
      const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [name]);
      const cpu = new Map<number, number>();
      for (const { pid } of rows) {
        const ms = processCpuMs(pid);
        if (ms !== null) cpu.set(pid, ms);
      }
      return cpu;
    },
    drop: async () => {
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
