import type { CommittedMirror } from './committed-mirror.js';
import type { EventQueries } from './event-queries.js';
import type { EventEntity } from './event.entity.js';
import { RoomState } from './room-state.js';

/** Room events in (after, upTo], read until `limit` pass `accept`. */
export interface RoomEventsQuery {
  roomId: string;
  after: number;
  upTo: number;
  limit: number;
  newestFirst: boolean;
  accept?: (event: EventEntity) => boolean;
}

/** Events of `types` in (after, upTo], in `roomIds` when given. */
export interface EventsBetweenQuery {
  types: string[];
  roomIds?: string[];
  after: number;
  upTo: number;
}

/**
 * Reads of the event stream between two positions: from the mirror's recent tails where they
 * reach back far enough, else from the database, rooms with nothing in the range left unread.
 */
export class EventRanges {
  constructor(
    private readonly mirror: CommittedMirror,
    private readonly queries: EventQueries,
  ) {}

  /** The room's newest committed stream position (0 without events); read positions beyond it have nothing. */
  private newestIn(roomId: string): Promise<number> {
    return this.mirror.newestIn(roomId, () => this.queries.newestIn(roomId));
  }

  /**
   * The events in (after, upTo] of the rooms whose recent tail reaches back far enough, and the
   * other rooms that have events after `after`, left to read from the database.
   */
  private async recentEvents(roomIds: string[], after: number, upTo: number): Promise<{ recent: EventEntity[]; unread: string[] }> {
    const recent: EventEntity[] = [];
    const unread: string[] = [];
    for (const roomId of roomIds) {
      const events = this.mirror.recent(roomId, after, upTo);
      if (events) recent.push(...events);
      else if ((await this.newestIn(roomId)) > after) unread.push(roomId);
    }
    return { recent, unread };
  }

  /** The latest state event per (type, state_key) with stream position in (after, before). */
  async stateBetween(roomId: string, after: number, before: number): Promise<EventEntity[]> {
    const recent = this.mirror.recent(roomId, after, before - 1);
    // RoomState keeps the last event per (type, state_key).
    if (recent) return new RoomState(recent).events().sort(byStreamOrder);
    return this.queries.stateBetween(roomId, after, before);
  }

  /**
   * Room events in stream order within (after, upTo], newest first when `newestFirst`, read in
   * pages until `limit` events pass `accept`. Returns one more than `limit` when there are more.
   */
  async roomEvents(options: RoomEventsQuery): Promise<EventEntity[]> {
    const { roomId, limit, newestFirst, accept } = options;
    const found: EventEntity[] = [];
    const recent = this.mirror.recent(roomId, options.after, options.upTo);
    if (recent) {
      for (const event of newestFirst ? recent.reverse() : recent) {
        if (!accept || accept(event)) found.push(event);
        if (found.length > limit) break;
      }
      return found;
    }
    const page = Math.max(limit + 1, 50);
    let after = options.after;
    let upTo = Math.min(options.upTo, await this.newestIn(roomId));
    while (found.length <= limit && after < upTo) {
      const batch = await this.queries.roomEventsPage(roomId, after, upTo, page, newestFirst);
      for (const event of batch) {
        if (!accept || accept(event)) found.push(event);
        if (found.length > limit) break;
      }
      if (batch.length < page) break;
      const last = batch[batch.length - 1].streamOrdering;
      if (newestFirst) upTo = last - 1;
      else after = last;
    }
    return found;
  }

  /** Events of the given types (optionally in the given rooms) with position in (after, upTo]. */
  async eventsBetween(options: EventsBetweenQuery): Promise<EventEntity[]> {
    const { types, after, upTo } = options;
    if (types.length === 0 || options.roomIds?.length === 0 || after >= upTo) return [];
    if (!options.roomIds) return this.queries.eventsBetween(types, undefined, after, upTo);
    const { recent, unread } = await this.recentEvents(options.roomIds, after, upTo);
    const matching = recent.filter((event) => types.includes(event.type));
    if (unread.length === 0) return matching.sort(byStreamOrder);
    const older = await this.queries.eventsBetween(types, unread, after, upTo);
    return [...matching, ...older].sort(byStreamOrder);
  }

  /** Who sent events of the given types in the given rooms within (after, upTo]: no content is read. */
  async sendersBetween(options: Required<EventsBetweenQuery>): Promise<Array<{ sender: string; roomId: string }>> {
    const { types, after, upTo } = options;
    if (types.length === 0 || after >= upTo) return [];
    const { recent, unread } = await this.recentEvents(options.roomIds, after, upTo);
    const senders = new Map<string, { sender: string; roomId: string }>();
    for (const event of recent) {
      if (types.includes(event.type)) senders.set(`${event.roomId}\u0000${event.sender}`, { sender: event.sender, roomId: event.roomId });
    }
    if (unread.length === 0) return [...senders.values()];
    return [...senders.values(), ...(await this.queries.sendersBetween(types, unread, after, upTo))];
  }
}

function byStreamOrder(a: EventEntity, b: EventEntity): number {
  return a.streamOrdering - b.streamOrdering;
}
