import { NextRun } from './next-run.js';

/** A task whose runs end when the test says, counting how many began. */
function controlled() {
  const ends: Array<(value: number) => void> = [];
  const run = new NextRun(() => new Promise<number>((resolve) => ends.push(resolve)));
  return { run, ends };
}

describe('NextRun', () => {
  it('starts at once when idle, and the callers during a run share the one after it', async () => {
    const { run, ends } = controlled();
    const first = run.request();
    const second = run.request();
    const third = run.request();
    expect(ends).toHaveLength(1);
    expect(second).toBe(third);
    ends[0](1);
    await expect(first).resolves.toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(ends).toHaveLength(2);
    ends[1](2);
    await expect(second).resolves.toBe(2);
  });

  it('never answers a caller with a run that began before it asked', async () => {
    const { run, ends } = controlled();
    const first = run.request();
    const later = run.request();
    ends[0](1);
    await first;
    // The run `later` waits for has begun; a caller now gets the one after it.
    await new Promise((resolve) => setImmediate(resolve));
    const latest = run.request();
    expect(latest).not.toBe(later);
    ends[1](2);
    await expect(later).resolves.toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    ends[2](3);
    await expect(latest).resolves.toBe(3);
  });

  it('goes on after a run that fails', async () => {
    let calls = 0;
    const run = new NextRun(async () => {
      calls += 1;
      if (calls === 1) throw new Error('first fails');
      return calls;
    });
    const first = run.request();
    const second = run.request();
    await expect(first).rejects.toThrow('first fails');
    await expect(second).resolves.toBe(2);
  });
});
