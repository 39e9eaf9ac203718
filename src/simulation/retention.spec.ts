import { DAY } from './population.js';
import { retainedBytesByDay, type StoredEvent } from './retention.js';

const START = Date.UTC(2026, 0, 5);
const HOUR = 3_600_000;

describe(retainedBytesByDay.name, () => {
  // Each day: online at 9:00 and offline at 18:00 (100 bytes each), a status at 12:00 (50 bytes).
  const day: StoredEvent[] = [
    { at: START + 9 * HOUR, kind: 'presence', bytes: 100 },
    { at: START + 12 * HOUR, kind: 'status', bytes: 50 },
    { at: START + 18 * HOUR, kind: 'presence', bytes: 100 },
  ];

  it('keeps every day without retention', () => {
    expect(retainedBytesByDay(day, START, 5, null)).toEqual([250, 500, 750, 1000, 1250]);
  });

  it('levels off at the window and the current state with a one-day retention', () => {
    // At each day's end the window holds that day's events; before it, only the last presence and status (current state) stay.
    expect(retainedBytesByDay(day, START, 4, DAY)).toEqual([250, 250 + 50 + 100, 250 + 50 + 100, 250 + 50 + 100]);
  });

  it('grows like no retention until the window is full, then levels off', () => {
    const kept = retainedBytesByDay(day, START, 10, 3 * DAY);
    expect(kept.slice(0, 3)).toEqual([250, 500, 750]);
    expect(new Set(kept.slice(3))).toEqual(new Set([750 + 150]));
  });
});
