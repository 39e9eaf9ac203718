import { transformFile } from '@swc/core';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, untilServing } from '../../bench/lib/server.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = ['src', 'migrations'];

/** The application compiled for a process of its own: `main` is its entry point. */
export interface CompiledServer {
  main: string;
  remove(): void;
}

/**
 * Compiles the server's TypeScript with swc (as Jest does, seconds faster than tsc, no type
 * check: the suite's tsc run does that) into a fresh folder under node_modules, so that the
 * compiled files resolve the project's packages as the sources do.
 */
export async function compileServer(): Promise<CompiledServer> {
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(join(cache, 'presence-rooms-server-'));
  const options = JSON.parse(readFileSync(join(ROOT, '.swcrc'), 'utf8'));
  const files = SOURCES.flatMap((folder) => tsFiles(join(ROOT, folder))).filter((file) => !file.endsWith('.spec.ts'));
  await Promise.all(
    files.map(async (file) => {
      const { code } = await transformFile(file, { ...options, sourceMaps: false, swcrc: false, filename: file });
      const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, code);
    }),
  );
  // Folders under node_modules belong to no package: say the output is ES modules, as the project is.
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  return { main: join(out, 'src', 'main.js'), remove: () => rmSync(out, { recursive: true, force: true }) };
}

function tsFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

export interface CompiledServerProcess {
  baseUrl: string;
  child: ChildProcess;
  /** Resolves with the exit once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts the compiled server as its own process on `database` and waits until it answers. */
export async function spawnCompiledServer(compiled: CompiledServer, database: TestDatabase, env: Record<string, string> = {}): Promise<CompiledServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [compiled.main], {
    // Where no .env of the project's is read.
    cwd: tmpdir(),
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      ...database.env,
      LOG_LEVEL: 'error',
      PASSWORD_HASH_COST: '10',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-20_000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  await untilServing(child, baseUrl, () => stderr, 60_000);
  return { baseUrl, child, exited, stderr: () => stderr };
}

/**
 * Registers a describe block's hooks: the server is compiled once for the block, each test gets a
 * fresh database, and after it whatever server it left running is killed and the database dropped.
 * The returned function starts a server on the test's database (`env` over `defaults`).
 */
export function compiledServerPerTest(defaults: Record<string, string> = {}): (env?: Record<string, string>) => Promise<CompiledServerProcess> {
  let compiled: CompiledServer | undefined;
  let database: TestDatabase;
  let started: CompiledServerProcess[] = [];

  beforeAll(async () => {
    compiled = await compileServer();
  });

  afterAll(() => compiled?.remove());

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    for (const server of started) {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
      await server.exited;
    }
    started = [];
    await database.drop();
  });

  return async (env = {}) => {
    const server = await spawnCompiledServer(compiled!, database, { ...defaults, ...env });
    started.push(server);
    return server;
  };
}
