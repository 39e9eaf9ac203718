import { Inject, Injectable } from '@nestjs/common';
import { RoomAccessService } from '../access/room-access.service.js';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import type { EventEntity } from '../events/event.entity.js';
import { EventStore } from '../events/event-store.service.js';
import { HistoryHorizons } from '../events/history-horizons.js';
import { StreamToken } from '../events/stream-token.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { toStateEvent } from './mappers.js';
import { ProfileRoomEvent } from './models/profile-room.model.js';
import { PUB_SUB, TRIGGERS, type LivePubSub, type RoomStatePayload } from './pubsub.js';

const CATCH_UP_PAGE = 100;

/**
 * The live stream behind profileRoomEvents (presenceChanged has its own fan-out). Notifications
 * only wake it; what it delivers is read from the store, so nothing is lost between a
 * notification and the next, and a resumed stream replays exactly what came after its token.
 * Access is checked again for every item; a viewer who lost it gets a final FORBIDDEN error and
 * the stream ends. A `since` below the room's purge horizon first gets the room's whole state at
 * the horizon, flagged `historyPurged`, then what came after.
 */
@Injectable()
export class LiveSubscriptions {
  constructor(
    @Inject(PUB_SUB) private readonly pubsub: LivePubSub,
    private readonly store: EventStore,
    private readonly access: RoomAccessService,
    private readonly profileRooms: ProfileRoomService,
    private readonly horizons: HistoryHorizons,
  ) {}

  /** Every new state event of a profile room, in order, each with a token to resume after it. */
  async *profileRoomEvents(viewer: Requester, target: { userId?: string; roomId?: string }, since?: string): AsyncGenerator<ProfileRoomEvent> {
    const roomId = await this.profileRoomOf(target);
    await this.access.assertMayRead(viewer.userId, roomId);
    // Listening before the first read: whatever commits after that read wakes the stream, even a
    // change told (on another process) while this one subscribes.
    const wakeUps = new WakeUps();
    const subscription = await this.pubsub.subscribe(TRIGGERS.roomState(roomId), (payload) => wakeUps.heard((payload as RoomStatePayload).streamOrdering));
    try {
      // In a cluster, the read then covers what any process committed before the subscription.
      await this.store.caughtUp();
      let position = since === undefined ? this.store.currentPosition() : StreamToken.parse(since).events;
      for (;;) {
        for (;;) {
          const { value: events, from } = await this.horizons.readFrom(roomId, position, (after) =>
            this.store.roomEvents({
              roomId,
              after,
              upTo: this.store.currentPosition(),
              limit: CATCH_UP_PAGE,
              newestFirst: false,
              accept: (event) => event.stateKey !== null,
            }),
          );
          if (from > position) {
            const stale = StreamToken.ZERO.withEvents(position).toString();
            const { value: state, from: at } = await this.horizons.readFrom(roomId, from, async (at) => (await this.store.stateBefore(roomId, at + 1)).events());
            const ordered = state.sort((a, b) => a.streamOrdering - b.streamOrdering);
            for (const [index, event] of ordered.entries()) {
              await this.access.assertMayRead(viewer.userId, roomId);
              const token = index === ordered.length - 1 ? StreamToken.ZERO.withEvents(at).toString() : stale;
              yield item(event, token, true);
            }
            position = at;
            continue;
          }
          for (const event of events.slice(0, CATCH_UP_PAGE)) {
            await this.access.assertMayRead(viewer.userId, roomId);
            position = event.streamOrdering;
            yield item(event, StreamToken.ZERO.withEvents(position).toString(), false);
          }
          if (events.length <= CATCH_UP_PAGE) break;
        }
        await wakeUps.past(position);
      }
    } finally {
      this.pubsub.unsubscribe(subscription);
    }
  }

  private async profileRoomOf(target: { userId?: string; roomId?: string }): Promise<string> {
    if ((target.userId === undefined) === (target.roomId === undefined)) throw MatrixError.invalidParam('Give exactly one of userId and roomId');
    if (target.userId !== undefined) {
      if (!(await this.profileRooms.userExists(target.userId))) throw MatrixError.notFound(`User ${target.userId} not found`);
      return this.profileRooms.ensureProfileRoom(target.userId);
    }
    if (!(await this.store.room(target.roomId!))) throw MatrixError.notFound(`Unknown room ${target.roomId}`);
    if (!(await this.profileRooms.ownerOf(target.roomId!))) throw MatrixError.invalidParam(`${target.roomId} is not a profile room`);
    return target.roomId!;
  }
}

/** The newest position a stream's notifications told of, and the stream's wait for one past a position. */
class WakeUps {
  private newest = 0;
  private waiting: { position: number; wake: () => void } | null = null;

  heard(position: number): void {
    this.newest = Math.max(this.newest, position);
    if (!this.waiting || this.waiting.position >= position) return;
    const { wake } = this.waiting;
    this.waiting = null;
    wake();
  }

  /** Resolves once a notification told of a position past `position` (at once if one already has). */
  past(position: number): Promise<void> {
    if (this.newest > position) return Promise.resolve();
    return new Promise((wake) => (this.waiting = { position, wake }));
  }
}

function item(event: EventEntity, token: string, historyPurged: boolean): ProfileRoomEvent {
  return Object.assign(new ProfileRoomEvent(), { token, event: toStateEvent(event), historyPurged });
}
