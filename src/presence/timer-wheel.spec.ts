import { TimerWheel } from './timer-wheel.js';

describe(TimerWheel.name, () => {
  const start = 1_000_000;

  it('returns a key once it is due, never before', () => {
    const wheel = new TimerWheel<string>(1000, start);
    wheel.schedule('a', start + 2500);
    expect(wheel.takeDue(start + 2000)).toEqual([]);
    expect(wheel.takeDue(start + 2999)).toEqual([]);
    expect(wheel.takeDue(start + 3000)).toEqual(['a']);
    expect(wheel.takeDue(start + 10_000)).toEqual([]);
  });

  it('moves a re-armed key to its new time', () => {
    const wheel = new TimerWheel<string>(1000, start);
    wheel.schedule('a', start + 1000);
    wheel.schedule('a', start + 5000);
    expect(wheel.takeDue(start + 1000)).toEqual([]);
    expect(wheel.takeDue(start + 5000)).toEqual(['a']);
    expect(wheel.size).toBe(0);
  });

  it('forgets a cancelled key', () => {
    const wheel = new TimerWheel<string>(1000, start);
    wheel.schedule('a', start + 1000);
    wheel.cancel('a');
    expect(wheel.takeDue(start + 60_000)).toEqual([]);
  });

  it('fires a time already past at the next sweep', () => {
    const wheel = new TimerWheel<string>(1000, start);
    wheel.takeDue(start + 5000);
    wheel.schedule('late', start);
    expect(wheel.takeDue(start + 6000)).toEqual(['late']);
  });

  it('returns keys of many slots in time order across a long gap', () => {
    const wheel = new TimerWheel<string>(1000, start);
    wheel.schedule('hour', start + 3_600_000);
    wheel.schedule('minute', start + 60_000);
    wheel.schedule('day', start + 86_400_000);
    expect(wheel.takeDue(start + 4_000_000)).toEqual(['minute', 'hour']);
    expect(wheel.size).toBe(1);
  });

  it('holds many keys and sweeps only the due ones', () => {
    const wheel = new TimerWheel<number>(1000, start);
    for (let key = 0; key < 10_000; key += 1) wheel.schedule(key, start + 1000 + (key % 100) * 1000);
    expect(wheel.takeDue(start + 1000)).toHaveLength(100);
    expect(wheel.size).toBe(9_900);
  });
});
