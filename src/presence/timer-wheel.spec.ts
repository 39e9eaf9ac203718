import { TimerEntry, TimerWheel } from './timer-wheel.js';

class Named extends TimerEntry {
  constructor(readonly name: string) {
    super();
  }
}

const names = (entries: Named[]) => entries.map((entry) => entry.name);

describe(TimerWheel.name, () => {
  const start = 1_000_000;

  it('returns an entry once it is due, never before', () => {
    const wheel = new TimerWheel<Named>(1000, start);
    const a = new Named('a');
    wheel.schedule(a, start + 2500);
    expect(wheel.takeDue(start + 2000)).toEqual([]);
    expect(wheel.takeDue(start + 2999)).toEqual([]);
    expect(names(wheel.takeDue(start + 3000))).toEqual(['a']);
    expect(a.armed).toBe(false);
    expect(wheel.takeDue(start + 10_000)).toEqual([]);
  });

  it('says when the next sweep would find an entry due, skipping slots left empty', () => {
    const wheel = new TimerWheel<Named>(1000, start);
    const [a, b] = [new Named('a'), new Named('b')];
    expect(wheel.nextDueAt()).toBeNull();
    wheel.schedule(a, start + 2500);
    wheel.schedule(b, start + 7000);
    expect(wheel.nextDueAt()).toBe(start + 3000);
    wheel.schedule(a, start + 9000);
    expect(wheel.nextDueAt()).toBe(start + 7000);
    expect(names(wheel.takeDue(start + 7000))).toEqual(['b']);
    expect(wheel.nextDueAt()).toBe(start + 9000);
  });

  it('moves a re-armed entry to its new time', () => {
    const wheel = new TimerWheel<Named>(1000, start);
    const a = new Named('a');
    wheel.schedule(a, start + 1000);
    wheel.schedule(a, start + 5000);
    expect(wheel.size).toBe(1);
    expect(wheel.takeDue(start + 1000)).toEqual([]);
    expect(names(wheel.takeDue(start + 5000))).toEqual(['a']);
    expect(wheel.size).toBe(0);
  });

  it('forgets a cancelled entry and keeps its neighbours', () => {
    const wheel = new TimerWheel<Named>(1000, start);
    const [a, b, c] = ['a', 'b', 'c'].map((name) => new Named(name));
    for (const entry of [a, b, c]) wheel.schedule(entry, start + 1000);
    wheel.cancel(b);
    wheel.cancel(b);
    expect(wheel.size).toBe(2);
    expect(names(wheel.takeDue(start + 60_000))).toEqual(['a', 'c']);
  });

  it('can arm an entry again after it fell due', () => {
    const wheel = new TimerWheel<Named>(1000, start);
    const a = new Named('a');
    wheel.schedule(a, start + 1000);
    expect(wheel.takeDue(start + 1000)).toEqual([a]);
    wheel.schedule(a, start + 2000);
    expect(wheel.takeDue(start + 2000)).toEqual([a]);
  });

  it('fires a time already past at the next sweep', () => {
    const wheel = new TimerWheel<Named>(1000, start);
    wheel.takeDue(start + 5000);
    wheel.schedule(new Named('late'), start);
    expect(names(wheel.takeDue(start + 6000))).toEqual(['late']);
  });

  it('returns entries of many slots in time order across a long gap', () => {
    const wheel = new TimerWheel<Named>(1000, start);
    wheel.schedule(new Named('hour'), start + 3_600_000);
    wheel.schedule(new Named('minute'), start + 60_000);
    wheel.schedule(new Named('day'), start + 86_400_000);
    expect(names(wheel.takeDue(start + 4_000_000))).toEqual(['minute', 'hour']);
    expect(wheel.size).toBe(1);
  });

  it('holds many entries and sweeps only the due ones', () => {
    const wheel = new TimerWheel<Named>(1000, start);
    const entries = Array.from({ length: 10_000 }, (_, key) => new Named(String(key)));
    entries.forEach((entry, key) => wheel.schedule(entry, start + 1000 + (key % 100) * 1000));
    // Re-arming half of the first slot's entries leaves the other half due.
    for (let key = 0; key < 10_000; key += 200) wheel.schedule(entries[key], start + 200_000);
    expect(wheel.takeDue(start + 1000)).toHaveLength(50);
    expect(wheel.size).toBe(9_950);
  });
});
