import { CommittedMirror } from './committed-mirror.js';
import { EventRanges } from './event-ranges.js';
import type { EventQueries } from './event-queries.js';
import { EventEntity } from './event.entity.js';

const event = (roomId: string, streamOrdering: number, type = 'm.room.message') =>
  Object.assign(new EventEntity(), { roomId, type, stateKey: null, sender: '@a:x', content: {}, streamOrdering });

/** The database's answers from a list of events, counting the pages read. */
function storedEvents(events: EventEntity[]) {
  const inRange = (after: number, upTo: number) => events.filter((e) => e.streamOrdering > after && e.streamOrdering <= upTo);
  const reads = { pages: 0, rooms: [] as string[][] };
  const queries = {
    newestIn: async (roomId: string) => Math.max(0, ...events.filter((e) => e.roomId === roomId).map((e) => e.streamOrdering)),
    roomEventsPage: async (roomId: string, after: number, upTo: number, limit: number, newestFirst: boolean) => {
      reads.pages += 1;
      const page = inRange(after, upTo).filter((e) => e.roomId === roomId);
      return (newestFirst ? page.reverse() : page).slice(0, limit);
    },
    eventsBetween: async (types: string[], roomIds: string[] | undefined, after: number, upTo: number) => {
      reads.rooms.push(roomIds ?? []);
      return inRange(after, upTo).filter((e) => types.includes(e.type) && (!roomIds || roomIds.includes(e.roomId)));
    },
  };
  return { queries: queries as unknown as EventQueries, reads };
}

/** A mirror whose tails hold `events`, as after their commit. */
function mirrorHolding(events: EventEntity[]): CommittedMirror {
  const mirror = new CommittedMirror(false);
  mirror.beginWrite();
  mirror.settle({ events, audience: new Set(), states: new Map() });
  return mirror;
}

describe(EventRanges.name, () => {
  it('reads the database page after page, newest first, until one more than the limit passes the filter', async () => {
    const { queries, reads } = storedEvents(Array.from({ length: 200 }, (_, index) => event('!a', index + 1)));
    const ranges = new EventRanges(new CommittedMirror(false), queries);
    const found = await ranges.roomEvents({ roomId: '!a', after: 0, upTo: 200, limit: 20, newestFirst: true, accept: (e) => e.streamOrdering % 5 === 0 });
    expect(found.map((e) => e.streamOrdering)).toEqual(Array.from({ length: 21 }, (_, index) => 200 - index * 5));
    expect(reads.pages).toBe(3);
  });

  it('answers from the tail of a room written lately, with no read', async () => {
    const { queries, reads } = storedEvents([]);
    const ranges = new EventRanges(mirrorHolding([event('!a', 1), event('!a', 2), event('!a', 3)]), queries);
    const found = await ranges.roomEvents({ roomId: '!a', after: 1, upTo: 3, limit: 10, newestFirst: true });
    expect(found.map((e) => e.streamOrdering)).toEqual([3, 2]);
    expect(reads.pages).toBe(0);
  });

  it('joins the tails with the database for the rooms they do not cover, in stream order, and reads no room with nothing new', async () => {
    const stored = [event('!b', 2, 'm.presence'), event('!c', 1, 'm.presence'), event('!a', 3, 'm.presence'), event('!a', 4), event('!b', 5, 'm.presence')];
    const { queries, reads } = storedEvents(stored);
    // The tail of !a is complete after 2; !b's and !c's are not held.
    const ranges = new EventRanges(mirrorHolding(stored.filter((e) => e.roomId === '!a')), queries);
    const found = await ranges.eventsBetween({ types: ['m.presence'], roomIds: ['!a', '!b', '!c'], after: 2, upTo: 5 });
    expect(found.map((e) => `${e.roomId}@${e.streamOrdering}`)).toEqual(['!a@3', '!b@5']);
    expect(reads.rooms).toEqual([['!b']]);
  });
});
