import type { PresenceView } from '../presence/core/presence-model.js';
import { batchTransactions, countFlipFlops, percentile, ratio, storageGrowth } from './figures.js';

const view = (presence: PresenceView['presence'], currentlyActive = false, lastActiveTs = 0): PresenceView => ({ presence, currentlyActive, lastActiveTs, statusMsg: null });

describe('simulation figures', () => {
  it('takes percentiles by nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([], 95)).toBe(0);
  });

  it('divides, reading 0 for nothing to divide by', () => {
    expect(ratio(3, 4)).toBe(0.75);
    expect(ratio(3, 0)).toBe(0);
  });

  it('counts a change the next update undoes within the window, and nothing else', () => {
    const updates = [
      { at: 0, view: view('online', true), previous: null },
      { at: 10_000, view: view('unavailable'), previous: view('online', true) },
      // Back to online and active 40 s later: the change to unavailable flip-flopped.
      { at: 50_000, view: view('online', true), previous: view('unavailable') },
      // A last-active bump alone changes nothing a reader sees.
      { at: 55_000, view: view('online', true, 55_000), previous: view('online', true) },
      { at: 200_000, view: view('offline'), previous: view('online', true, 55_000) },
      // Back 61 s later: outside the window.
      { at: 261_000, view: view('online', true), previous: view('offline') },
    ];
    expect(countFlipFlops(updates, 60_000)).toBe(1);
    expect(countFlipFlops(updates, 61_000)).toBe(2);
  });

  it('batches a destination\'s items into transactions by window and size', () => {
    const items = [0, 200, 900, 1500, 5000, 5001, 5002].map((at) => ({ at, bytes: 10 }));
    // At two per transaction: [0, 200], then [900, 1500] (within 1 s of 900), [5000, 5001], [5002].
    expect(batchTransactions(items, { windowMs: 1000, maxItems: 2, envelopeBytes: 100 })).toEqual({ transactions: 4, bytes: 7 * 10 + 4 * 100 });
    // Unbounded: [0, 200, 900] within 1 s of 0, [1500], [5000, 5001, 5002].
    expect(batchTransactions(items, { windowMs: 1000, maxItems: 50, envelopeBytes: 100, perTransactionBytes: 5 })).toEqual({ transactions: 3, bytes: 70 + 3 * 105 });
    expect(batchTransactions([], { windowMs: 1000, maxItems: 50, envelopeBytes: 100 })).toEqual({ transactions: 0, bytes: 0 });
  });

  it('grows storage by the same amount each day', () => {
    expect(storageGrowth(10, 5, 3)).toEqual([15, 20, 25]);
  });
});
