import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A load worker in its own process (bench/workers/NAME.js). Protocol: the worker says `online`;
 * the parent sends the job;
 * the worker sets up and answers `ready` (with details); the parent sends `start`, later `stop`;
 * the worker answers `result`. Workers that measure in slices take `start` again after a result.
 */
export class Worker<Job, Ready, Result> {
  private readonly child: ChildProcess;
  private readonly messages: Array<{ type: string; body: unknown }> = [];
  private waiting: Array<() => void> = [];
  private failure: Error | null = null;

  constructor(name: string, job: Job, execArgv: string[] = []) {
    this.child = fork(fileURLToPath(new URL(`../workers/${name}.js`, import.meta.url)), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: ['--max-old-space-size=4096', ...execArgv],
    });
    this.child.on('message', (message) => {
      this.messages.push(message as { type: string; body: unknown });
      this.wake();
    });
    this.child.once('exit', (code, signal) => {
      if (signal !== 'SIGTERM') this.failure = new Error(`worker ${name} exited (code ${code}) before it was done`);
      this.wake();
    });
    // Messages sent before the worker listens would be lost: wait for it to say it is listening.
    void this.expect('online').then(() => this.child.send({ type: 'job', body: job }));
  }

  ready(): Promise<Ready> {
    return this.expect<Ready>('ready');
  }

  start(): void {
    this.child.send({ type: 'start' });
  }

  /** Any other message, for workers that take commands while running. */
  send(message: Record<string, unknown>): void {
    this.child.send(message);
  }

  /** Ends the current run and returns its result; the worker stays up for another `start`. */
  async pause(): Promise<Result> {
    this.child.send({ type: 'stop' });
    return this.expect<Result>('result');
  }

  async stop(): Promise<Result> {
    const result = await this.pause();
    // Long-polls may still be waiting inside the worker; its work is done.
    this.child.kill();
    return result;
  }

  /** The worker's process ID, for reading its CPU time. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Ends the worker without a result. */
  kill(): void {
    this.child.kill();
  }

  private async expect<T>(type: string): Promise<T> {
    for (;;) {
      const index = this.messages.findIndex((message) => message.type === type);
      if (index >= 0) return this.messages.splice(index, 1)[0].body as T;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
