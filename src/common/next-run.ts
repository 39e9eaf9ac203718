/**
 * Runs `task` one at a time, and answers each `request` with a run that begins after it: callers
 * that come while one runs share the next. A burst of callers costs one run while one is under
 * way, not one each, and none is answered by a run that began before it asked.
 */
export class NextRun<T> {
  private running: Promise<T> | null = null;
  private next: Promise<T> | null = null;

  constructor(private readonly task: () => Promise<T>) {}

  request(): Promise<T> {
    if (!this.running) return this.start();
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        // A run begun since the last one ended began after every caller waiting here too.
        return this.running ?? this.start();
      });
    return this.next;
  }

  private start(): Promise<T> {
    const run: Promise<T> = this.task().finally(() => {
      if (this.running === run) this.running = null;
    });
    this.running = run;
    return run;
  }
}
