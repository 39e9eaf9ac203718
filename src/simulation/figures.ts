import type { PresenceView } from '../presence/core/presence-model.js';

/** The p-th percentile (0–100) of the values, nearest rank; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** A ratio that reads 0 rather than NaN when there is nothing to divide by. */
export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** What a reader of the presence value sees: the state and whether the user is active. */
function shown(view: PresenceView): string {
  return `${view.presence}/${view.currentlyActive}`;
}

/**
 * Flip-flops in one user's updates (in time order): an update whose change the next update
 * undoes within `windowMs` (online → unavailable → online in 40 s counts one). Only the presence
 * value and currently_active count; a last-active bump alone is no change.
 */
export function countFlipFlops(updates: ReadonlyArray<{ at: number; view: PresenceView; previous: PresenceView | null }>, windowMs: number): number {
  let flips = 0;
  for (let index = 0; index + 1 < updates.length; index += 1) {
    const { at, view, previous } = updates[index];
    const next = updates[index + 1];
    if (!previous || shown(previous) === shown(view)) continue;
    if (next.at - at <= windowMs && shown(next.view) === shown(previous)) flips += 1;
  }
  return flips;
}

/** A destination's items (PDUs or EDUs), each with when it is ready and its size. */
export interface Outgoing {
  at: number;
  bytes: number;
}

export interface TransactionTally {
  transactions: number;
  bytes: number;
}

/**
 * How a sending server batches a destination's items into transactions: the first ready item
 * opens one, and items ready within `windowMs` of it (one round trip) ride along, up to
 * `maxItems` (Synapse: 50 PDUs, 100 EDUs). Bytes are the envelopes plus the items, plus
 * `perTransactionBytes` (an EDU's wrapper).
 */
export function batchTransactions(
  items: Outgoing[],
  options: { windowMs: number; maxItems: number; envelopeBytes: number; perTransactionBytes?: number },
): TransactionTally {
  const sorted = [...items].sort((a, b) => a.at - b.at);
  let transactions = 0;
  let bytes = 0;
  for (let index = 0; index < sorted.length; ) {
    const opened = sorted[index].at;
    let taken = 0;
    while (index < sorted.length && taken < options.maxItems && sorted[index].at - opened <= options.windowMs) {
      bytes += sorted[index].bytes;
      index += 1;
      taken += 1;
    }
    transactions += 1;
    bytes += options.envelopeBytes + (options.perTransactionBytes ?? 0);
  }
  return { transactions, bytes };
}

/** Cumulative storage at the end of each of `days` days, growing by `perDay` a day from `initial`. */
export function storageGrowth(initial: number, perDay: number, days: number): number[] {
  return Array.from({ length: days }, (_, day) => initial + perDay * (day + 1));
}
