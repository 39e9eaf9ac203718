import { Injectable } from '@nestjs/common';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { toClientEvent, type ClientEvent } from '../events/client-event.js';
import { AppConfig } from '../config/app-config.js';
import { eventMatches } from '../events/event-filter.js';
import { filterBoundsOf, parseFilterText, parseRoomEventFilter, type FilterBounds } from '../events/filter-validation.js';
import { EventStore } from '../events/event-store.service.js';
import { HistoryHorizons } from '../events/history-horizons.js';
import { StreamToken } from '../events/stream-token.js';
import type { MessagesQueryDto } from './dto/messages-query.dto.js';
import { RoomsService } from './rooms.service.js';

/**
 * Paginating a room's timeline (GET /rooms/{roomId}/messages). History stops at the room's purge
 * horizon, as Synapse's does after a purge: paging back ends there (no `end`), and a `from` below
 * it pages forward from it.
 */
@Injectable()
export class RoomHistoryService {
  private readonly filterBounds: FilterBounds;

  constructor(
    private readonly store: EventStore,
    private readonly rooms: RoomsService,
    private readonly horizons: HistoryHorizons,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.filterBounds = filterBoundsOf(config);
  }

  async messages(
    requester: Requester,
    roomId: string,
    query: MessagesQueryDto,
  ): Promise<{ chunk: ClientEvent[]; start: string; end?: string }> {
    // Caught up with every process's commits, so the head below holds them.
    await this.rooms.readableState(requester, roomId);
    const filter = query.filter === undefined ? undefined : parseRoomEventFilter(parseFilterText(query.filter, this.filterBounds), this.filterBounds);
    const limit = Math.min(query.limit ?? filter?.limit ?? 10, 1000);
    const head = this.store.currentPosition();
    const from = query.from === undefined ? (query.dir === 'b' ? head : 0) : StreamToken.parse(query.from).events;
    const to = query.to === undefined ? undefined : StreamToken.parse(query.to).events;
    const backwards = query.dir === 'b';
    const { value: found } = await this.horizons.readFrom(roomId, backwards ? (to ?? 0) : from, (after) =>
      this.store.roomEvents({
        roomId,
        after,
        upTo: backwards ? from : Math.min(to ?? head, head),
        limit,
        newestFirst: backwards,
        accept: (event) => eventMatches(filter, { type: event.type, sender: event.sender, content: event.content }),
      }),
    );
    const page = found.slice(0, limit);
    const now = this.clock.now();
    const viewer = { userId: requester.userId, deviceId: requester.deviceId };
    const result: { chunk: ClientEvent[]; start: string; end?: string } = {
      chunk: page.map((event) => toClientEvent(event, now, { viewer })),
      start: StreamToken.ZERO.withEvents(from).toString(),
    };
    if (found.length > limit && page.length > 0) {
      const last = page[page.length - 1].streamOrdering;
      result.end = StreamToken.ZERO.withEvents(backwards ? last - 1 : last).toString();
    }
    return result;
  }
}
