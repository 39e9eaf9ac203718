import type { RoomAccessService } from '../access/room-access.service.js';
import type { EventEntity } from '../events/event.entity.js';
import type { EventStore } from '../events/event-store.service.js';
import type { HistoryHorizons } from '../events/history-horizons.js';
import type { ProfileRoomService } from '../profiles/profile-room.service.js';
import { LiveSubscriptions } from './live-subscriptions.service.js';
import type { LivePayload, LivePubSub } from './pubsub.js';

const ROOM = '!profile:localhost';
const ALICE = '@alice:localhost';

function stateEvent(streamOrdering: number): EventEntity {
  return { eventId: `$${streamOrdering}`, roomId: ROOM, type: 'm.profile', stateKey: 'displayname', sender: ALICE, content: { value: `name ${streamOrdering}` }, streamOrdering, originServerTs: 1 } as unknown as EventEntity;
}

/**
 * A room whose state events the test commits, and a pub/sub whose subscription takes effect when
 * the test says: between the two, the order of "listen" and "read" decides whether a change is missed.
 */
function fixture() {
  const log: string[] = [];
  const committed: EventEntity[] = [];
  let onMessage: ((payload: LivePayload) => void) | undefined;
  const pubsub = {
    subscribe: async (_trigger: string, handler: (payload: LivePayload) => void) => {
      log.push('subscribe');
      onMessage = handler;
      return 1;
    },
    unsubscribe: () => log.push('unsubscribe'),
    publish: async (_trigger: string, payload: LivePayload) => onMessage?.(payload),
  } as LivePubSub;
  const store = {
    caughtUp: async () => undefined,
    currentPosition: () => committed.at(-1)?.streamOrdering ?? 0,
    roomEvents: async ({ after, upTo }: { after: number; upTo: number }) => {
      log.push(`read after ${after}`);
      return committed.filter((event) => event.streamOrdering > after && event.streamOrdering <= upTo);
    },
  } as unknown as EventStore;
  const horizons = { readFrom: async (_roomId: string, after: number, read: (from: number) => Promise<unknown>) => ({ value: await read(after), from: after }) } as unknown as HistoryHorizons;
  const access = { assertMayRead: async () => undefined } as unknown as RoomAccessService;
  const profileRooms = { userExists: async () => true, ensureProfileRoom: async () => ROOM } as unknown as ProfileRoomService;
  const live = new LiveSubscriptions(pubsub, store, access, profileRooms, horizons);
  const commit = async (streamOrdering: number) => {
    committed.push(stateEvent(streamOrdering));
    await pubsub.publish(`roomState:${ROOM}`, { roomId: ROOM, streamOrdering });
  };
  return { live, log, commit };
}

describe(LiveSubscriptions.name, () => {
  it('listens before its first read, so a change committed right after that read still wakes it', async () => {
    const { live, log, commit } = fixture();
    const stream = live.profileRoomEvents({ userId: ALICE, deviceId: 'D' }, { userId: ALICE });
    const first = stream.next();
    // The stream has read (nothing yet) and waits; the change commits and is told now.
    await new Promise((resolve) => setImmediate(resolve));
    await commit(5);
    const { value } = await first;
    expect(value?.event.content).toEqual({ value: 'name 5' });
    expect(log.slice(0, 2)).toEqual(['subscribe', 'read after 0']);
    await stream.return(undefined);
    expect(log).toContain('unsubscribe');
  });

  it('takes a notification told before it waits: a change between its read and its wait is not missed', async () => {
    const { live, commit } = fixture();
    await commit(3);
    const stream = live.profileRoomEvents({ userId: ALICE, deviceId: 'D' }, { userId: ALICE }, 's2_0_0_0');
    expect((await stream.next()).value?.event.content).toEqual({ value: 'name 3' });
    // Told while the consumer is busy with the item: the stream has not begun to wait yet.
    await commit(4);
    expect((await stream.next()).value?.event.content).toEqual({ value: 'name 4' });
    await stream.return(undefined);
  });
});
