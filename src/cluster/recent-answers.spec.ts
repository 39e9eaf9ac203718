import { RecentAnswers } from './recent-answers.js';

describe(RecentAnswers.name, () => {
  let now = 0;
  const answers = () => new RecentAnswers(1_000, () => now);
  beforeEach(() => (now = 0));

  it('answers a retry within the window with the first answer, without doing the work again', async () => {
    const recent = answers();
    let runs = 0;
    const work = async () => String(++runs);
    expect(await recent.answer('a/1', work)).toBe('1');
    now = 999;
    expect(await recent.answer('a/1', work)).toBe('1');
    expect(await recent.answer('a/2', work)).toBe('2');
    expect(runs).toBe(2);
  });

  it('shares the answer with a retry that comes while the first is still being worked out', async () => {
    const recent = answers();
    let finish!: (value: string) => void;
    let runs = 0;
    const work = () => ((runs += 1), new Promise<string>((resolve) => (finish = resolve)));
    const first = recent.answer('a/1', work);
    const retry = recent.answer('a/1', work);
    finish('done');
    expect(await Promise.all([first, retry])).toEqual(['done', 'done']);
    expect(runs).toBe(1);
  });

  it('keeps a failure as the answer too, as the work may have done part of its job', async () => {
    const recent = answers();
    let runs = 0;
    const work = () => ((runs += 1), Promise.reject(new Error('write failed')));
    await expect(recent.answer('a/1', work)).rejects.toThrow('write failed');
    await expect(recent.answer('a/1', work)).rejects.toThrow('write failed');
    expect(runs).toBe(1);
  });

  it('forgets answers once the window has passed, and all of them on clear', async () => {
    const recent = answers();
    let runs = 0;
    const work = async () => String(++runs);
    await recent.answer('a/1', work);
    now = 500;
    await recent.answer('a/2', work);
    now = 1_000;
    await recent.answer('a/3', work);
    expect(recent.size).toBe(2);
    expect(await recent.answer('a/1', work)).toBe('4');
    recent.clear();
    expect(recent.size).toBe(0);
  });
});
