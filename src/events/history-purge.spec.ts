import fc from 'fast-check';
import { planHistoryPurge, type HistoryEvent } from './history-purge.js';

const PURGEABLE = new Set(['m.presence', 'm.status', 'org.matrix.msc3032.presence', 'org.matrix.msc3032.status']);
const TYPES = [...PURGEABLE, 'm.profile', 'm.room.member', 'm.room.message'];

/** A room's history: positions rising (with gaps, as other rooms share the stream), times mostly rising. */
const history = fc
  .array(
    fc.record({
      gap: fc.integer({ min: 1, max: 3 }),
      type: fc.constantFrom(...TYPES),
      stateKey: fc.constantFrom<string | null>('', '', 'displayname', null),
      tick: fc.integer({ min: -2, max: 10 }),
    }),
    { maxLength: 60 },
  )
  .map((steps) => {
    let position = 0;
    let ts = 1000;
    return steps.map(({ gap, type, stateKey, tick }): HistoryEvent => {
      position += gap;
      ts += tick;
      return { streamOrdering: position, type, stateKey: type === 'm.room.message' ? null : stateKey, originServerTs: ts };
    });
  });
const cutoff = fc.integer({ min: 900, max: 1700 });

/** The state (type, state key → position) after the events at or below `upTo`. */
function stateAt(events: readonly HistoryEvent[], upTo: number): Map<string, number> {
  const state = new Map<string, number>();
  for (const event of events) if (event.stateKey !== null && event.streamOrdering <= upTo) state.set(`${event.type}\u0000${event.stateKey}`, event.streamOrdering);
  return state;
}

describe(planHistoryPurge.name, () => {
  it('purges superseded presence and status older than the window, keeping the newest of each', () => {
    const events: HistoryEvent[] = [
      { streamOrdering: 1, type: 'm.presence', stateKey: '', originServerTs: 100 },
      { streamOrdering: 3, type: 'm.status', stateKey: '', originServerTs: 110 },
      { streamOrdering: 4, type: 'm.presence', stateKey: '', originServerTs: 120 },
      { streamOrdering: 6, type: 'm.profile', stateKey: 'displayname', originServerTs: 130 },
      { streamOrdering: 7, type: 'm.presence', stateKey: '', originServerTs: 140 },
      { streamOrdering: 9, type: 'm.presence', stateKey: '', originServerTs: 500 },
    ];
    expect(planHistoryPurge(events, PURGEABLE, 200)).toEqual({ purge: [1, 4], horizon: 8 });
    expect(planHistoryPurge(events, PURGEABLE, 100)).toEqual({ purge: [], horizon: 0 });
  });

  it('never purges current state, an event of another type, or anything above the horizon or inside the window', () => {
    fc.assert(
      fc.property(history, cutoff, (events, cutoffTs) => {
        const { purge, horizon } = planHistoryPurge(events, PURGEABLE, cutoffTs);
        const purged = new Set(purge);
        const current = new Set(stateAt(events, Infinity).values());
        const firstInWindow = events.find((event) => event.originServerTs >= cutoffTs)?.streamOrdering ?? Infinity;
        for (const event of events.filter((candidate) => purged.has(candidate.streamOrdering))) {
          expect(current.has(event.streamOrdering)).toBe(false);
          expect(PURGEABLE.has(event.type)).toBe(true);
          expect(event.streamOrdering).toBeLessThanOrEqual(horizon);
          expect(event.streamOrdering).toBeLessThan(firstInWindow);
        }
        expect(horizon).toBeLessThan(firstInWindow);
      }),
    );
  });

  it('leaves no gap for a reader at or above the horizon: every later event stays and the state at each such position is whole', () => {
    fc.assert(
      fc.property(history, cutoff, (events, cutoffTs) => {
        const { purge, horizon } = planHistoryPurge(events, PURGEABLE, cutoffTs);
        const purged = new Set(purge);
        const kept = events.filter((event) => !purged.has(event.streamOrdering));
        expect(kept.filter((event) => event.streamOrdering > horizon)).toEqual(events.filter((event) => event.streamOrdering > horizon));
        for (const position of [horizon, ...events.map((event) => event.streamOrdering).filter((at) => at >= horizon)]) {
          expect(stateAt(kept, position)).toEqual(stateAt(events, position));
        }
      }),
    );
  });

  it('finds nothing more to purge in what it kept, with the same window', () => {
    fc.assert(
      fc.property(history, cutoff, (events, cutoffTs) => {
        const purged = new Set(planHistoryPurge(events, PURGEABLE, cutoffTs).purge);
        const kept = events.filter((event) => !purged.has(event.streamOrdering));
        expect(planHistoryPurge(kept, PURGEABLE, cutoffTs).purge).toEqual([]);
      }),
    );
  });
});
