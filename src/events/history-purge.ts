/** One event of a room as the purge sees it: no content. */
export interface HistoryEvent {
  streamOrdering: number;
  type: string;
  stateKey: string | null;
  originServerTs: number;
}

/** What to purge from one room, and the horizon that purge leaves. */
export interface PurgePlan {
  /** The positions of the events to delete. */
  purge: number[];
  /**
   * Every event above it stays, and the room's state at it stays whole, so a reader resuming
   * from a position at or above it misses nothing. 0 when nothing is purged.
   */
  horizon: number;
}

/**
 * Which of a room's events a retention purge deletes (Synapse's purge_history, narrowed to some
 * state types): the cut is just below the room's first event inside the window (sent at or after
 * `cutoffTs`), and below it every event of a purgeable type is deleted that a later event of the
 * same type and state key, also below the cut, supersedes. So nothing inside the window goes,
 * current state stays, and the state at the cut stays whole.
 *
 * `events` are the room's events in stream order.
 */
export function planHistoryPurge(events: readonly HistoryEvent[], purgeableTypes: ReadonlySet<string>, cutoffTs: number): PurgePlan {
  const firstInWindow = events.findIndex((event) => event.originServerTs >= cutoffTs);
  const below = firstInWindow === -1 ? events : events.slice(0, firstInWindow);
  if (below.length === 0) return { purge: [], horizon: 0 };
  const cut = firstInWindow === -1 ? below[below.length - 1].streamOrdering : events[firstInWindow].streamOrdering - 1;
  const latest = new Map<string, number>();
  for (const event of below) if (event.stateKey !== null && purgeableTypes.has(event.type)) latest.set(stateSlot(event), event.streamOrdering);
  const purge = below
    .filter((event) => event.stateKey !== null && purgeableTypes.has(event.type) && latest.get(stateSlot(event)) !== event.streamOrdering)
    .map((event) => event.streamOrdering);
  return { purge, horizon: purge.length > 0 ? cut : 0 };
}

function stateSlot(event: HistoryEvent): string {
  return `${event.type}\u0000${event.stateKey}`;
}
