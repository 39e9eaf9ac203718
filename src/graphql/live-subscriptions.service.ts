import { Inject, Injectable } from '@nestjs/common';
import { PresenceVisibilityCache } from '../access/presence-visibility-cache.js';
import { RoomAccessService } from '../access/room-access.service.js';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import { EventStore } from '../events/event-store.service.js';
import { StreamToken } from '../events/stream-token.js';
import { PresenceReader } from '../presence/presence-reader.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { toPresence, toStateEvent } from './mappers.js';
import { ProfileRoomEvent } from './models/profile-room.model.js';
import type { Presence } from './models/presence.model.js';
import { PUB_SUB, TRIGGERS, type LivePubSub, type PresenceChangedPayload, type RoomStatePayload } from './pubsub.js';

/** The most users one presence query or subscription may ask for. */
export const MAX_PRESENCE_USERS = 1000;
const CATCH_UP_PAGE = 100;

/**
 * The live streams behind the GraphQL subscriptions. Notifications only wake them; what they
 * deliver is read from the store, so nothing is lost between a notification and the next, and a
 * resumed stream replays exactly what came after its token. Access is checked again for every
 * item; a viewer who lost it gets a final FORBIDDEN error and the stream ends.
 */
@Injectable()
export class LiveSubscriptions {
  constructor(
    @Inject(PUB_SUB) private readonly pubsub: LivePubSub,
    private readonly reader: PresenceReader,
    private readonly store: EventStore,
    private readonly access: RoomAccessService,
    private readonly visibility: PresenceVisibilityCache,
    private readonly profileRooms: ProfileRoomService,
    private readonly clock: Clock,
  ) {}

  /** The current presence of each user first, then every change, as the viewer may see it. */
  async *presenceChanged(viewer: Requester, userIds: string[]): AsyncGenerator<Presence> {
    if (userIds.length === 0 || userIds.length > MAX_PRESENCE_USERS) {
      throw MatrixError.invalidParam(`userIds must list between 1 and ${MAX_PRESENCE_USERS} users`);
    }
    const wanted = new Set(userIds);
    // Listen before reading the initial values, so no change falls between the two.
    const changes = this.pubsub.asyncIterableIterator<PresenceChangedPayload>([...wanted].map(TRIGGERS.presenceChanged));
    try {
      const last = new Map<string, string>();
      const initial = await this.reader.read(viewer.userId, [...wanted]);
      for (const userId of wanted) {
        const record = initial.get(userId)!;
        if (record instanceof MatrixError) throw record;
        const presence = toPresence(record, this.clock.now());
        last.set(userId, fingerprint(presence));
        yield presence;
      }
      for (;;) {
        const next = await changes.next();
        if (next.done) return;
        const { userId } = next.value;
        // Each change reaches many subscribers: the visibility check and the record are cached.
        if (userId !== viewer.userId && !(await this.visibility.maySeePresence(viewer.userId, userId))) {
          throw MatrixError.forbidden(`You are not allowed to see the presence of ${userId}`);
        }
        const record = userId === viewer.userId ? await this.reader.readOne(viewer.userId, userId) : await this.reader.publicRecord(userId);
        const presence = toPresence(record, this.clock.now());
        const print = fingerprint(presence);
        if (last.get(userId) === print) continue;
        last.set(userId, print);
        yield presence;
      }
    } finally {
      await changes.return?.();
    }
  }

  /** Every new state event of a profile room, in order, each with a token to resume after it. */
  async *profileRoomEvents(viewer: Requester, target: { userId?: string; roomId?: string }, since?: string): AsyncGenerator<ProfileRoomEvent> {
    const roomId = await this.profileRoomOf(target);
    await this.access.assertMayRead(viewer.userId, roomId);
    let position = since === undefined ? this.store.currentPosition() : StreamToken.parse(since).events;
    const wakeUps = this.pubsub.asyncIterableIterator<RoomStatePayload>(TRIGGERS.roomState(roomId));
    try {
      for (;;) {
        for (;;) {
          const events = await this.store.roomEvents({
            roomId,
            after: position,
            upTo: this.store.currentPosition(),
            limit: CATCH_UP_PAGE,
            newestFirst: false,
            accept: (event) => event.stateKey !== null,
          });
          for (const event of events.slice(0, CATCH_UP_PAGE)) {
            await this.access.assertMayRead(viewer.userId, roomId);
            position = event.streamOrdering;
            yield Object.assign(new ProfileRoomEvent(), { token: StreamToken.ZERO.withEvents(position).toString(), event: toStateEvent(event) });
          }
          if (events.length <= CATCH_UP_PAGE) break;
        }
        let next = await wakeUps.next();
        while (!next.done && next.value.streamOrdering <= position) next = await wakeUps.next();
        if (next.done) return;
      }
    } finally {
      await wakeUps.return?.();
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

/** What a subscriber would see, without the ever-growing lastActiveAgo. */
function fingerprint(presence: Presence): string {
  return JSON.stringify([presence.state, presence.statusMsg, presence.currentlyActive, presence.lastActiveTs, presence.displayName, presence.avatarUrl]);
}
