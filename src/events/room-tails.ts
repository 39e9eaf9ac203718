import type { EventEntity } from './event.entity.js';

interface Tail {
  /** Every event of the room after this position is in `events`. */
  from: number;
  events: EventEntity[];
}

/**
 * The newest committed events of rooms written lately, each tail complete after a position, so
 * an incremental /sync (timeline, presence changes) reads them without a query. It learns only
 * from commits, so it holds nothing uncommitted.
 */
export class RoomTails {
  private readonly tails = new Map<string, Tail>();

  constructor(
    private readonly length: number,
    private readonly maxRooms: number,
  ) {}

  /**
   * Takes in all the events of one committed transaction, in stream order. Its positions follow
   * every committed one, so a room's first event here has nothing of that room between it and
   * the previous position: a new tail is complete from there.
   */
  add(events: readonly EventEntity[]): void {
    for (const event of events) {
      let tail = this.tails.get(event.roomId);
      if (!tail) {
        if (this.tails.size >= this.maxRooms) this.tails.clear();
        this.tails.set(event.roomId, (tail = { from: event.streamOrdering - 1, events: [] }));
      }
      tail.events.push(event);
      if (tail.events.length > this.length) tail.from = tail.events.splice(0, tail.events.length - this.length).at(-1)!.streamOrdering;
    }
  }

  /** The room's events in (after, upTo], oldest first, as a new array; null when the tail does not reach back to `after`. */
  between(roomId: string, after: number, upTo: number): EventEntity[] | null {
    const tail = this.tails.get(roomId);
    if (!tail || after < tail.from) return null;
    // An incremental /sync asks for the last few, if any: look back from the newest.
    const { events } = tail;
    let start = events.length;
    while (start > 0 && events[start - 1].streamOrdering > after) start -= 1;
    let end = events.length;
    while (end > start && events[end - 1].streamOrdering > upTo) end -= 1;
    return events.slice(start, end);
  }
}
