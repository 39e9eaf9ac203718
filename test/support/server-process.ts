import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout or stderr has matched `pattern`. */
  until(pattern: RegExp): Promise<void>;
  /** Kills the process if it still runs. */
  cleanup(): Promise<void>;
}

/**
 * Starts the server as its own process, as `npm start` does but from the TypeScript sources
 * (compiled on load by swc, like the tests); `env` names its database (a TestDatabase's env).
 */
export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--enable-source-maps', '--import', './test/support/swc-register.mjs', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      PASSWORD_HASH_COST: '10',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const collect = (append: (text: string) => void) => (chunk: Buffer) => {
    append(chunk.toString());
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', collect((text) => (stdout += text)));
  child.stderr?.on('data', collect((text) => (stderr += text)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters) wake();
    }),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    until: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout) || pattern.test(stderr)) {
            waiters.delete(check);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`server exited before printing ${pattern}: ${stdout}${stderr}`));
          }
        };
        waiters.add(check);
        check();
      }),
    cleanup: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
