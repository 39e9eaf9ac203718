import { Injectable } from '@nestjs/common';
import { RoomAccessService } from '../access/room-access.service.js';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { toClientEvent, type ClientEvent } from '../events/client-event.js';
import type { EventEntity } from '../events/event.entity.js';
import { EventStore } from '../events/event-store.service.js';
import { HistoryHorizons } from '../events/history-horizons.js';
import { StreamNotifier } from '../events/stream-notifier.service.js';
import { StreamToken } from '../events/stream-token.js';
import { PresenceService } from '../presence/presence.service.js';
import { legacyPresenceContent } from '../presence/presence-events.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';

/** The longest a peek poll (/events) may wait, whatever the client asks. */
export const MAX_EVENTS_TIMEOUT_MS = 300_000;
const MAX_EVENTS_PER_POLL = 100;
const MAX_PRESENCE_IN_PREVIEW = 100;
/** Set on a /events answer whose `from` was below the room's purge horizon. */
export const HISTORY_PURGED_KEY = 'org.presence_rooms.history_purged';

export interface EventsResponse {
  chunk: ClientEvent[];
  start: string;
  end: string;
  [HISTORY_PURGED_KEY]?: true;
}

/**
 * Room previews as the spec has them (GET /rooms/{roomId}/initialSync and GET /events with a
 * room_id), which is how matrix-js-sdk's peekInRoom follows a room it has not joined. Access is
 * checked on every request and again before each batch of events is delivered.
 *
 * Purged history (PRESENCE_HISTORY_RETENTION_MS) is never a silent gap: the preview's messages
 * start at the room's purge horizon, and a /events `from` below it is answered with the room's
 * whole state at the horizon, flagged, and an `end` at the horizon to go on from.
 */
@Injectable()
export class RoomPreviewService {
  constructor(
    private readonly store: EventStore,
    private readonly horizons: HistoryHorizons,
    private readonly access: RoomAccessService,
    private readonly notifier: StreamNotifier,
    private readonly presence: PresenceService,
    private readonly profileRooms: ProfileRoomService,
    private readonly clock: Clock,
    private readonly ids: MscIdentifiers,
  ) {}

  async initialSync(requester: Requester, roomId: string, limit: number): Promise<Record<string, unknown>> {
    await this.access.assertMayRead(requester.userId, roomId);
    const head = this.store.currentPosition();
    const state = await this.store.currentState(roomId);
    const { value: found } = await this.horizons.readFrom(roomId, 0, (after) => this.store.roomEvents({ roomId, after, upTo: head, limit, newestFirst: true }));
    const messages = found.slice(0, limit).reverse();
    const now = this.clock.now();
    const viewer = { userId: requester.userId, deviceId: requester.deviceId };
    const token = StreamToken.ZERO.withEvents(head);
    const room = await this.store.room(roomId);
    const membership = state.membership(requester.userId);
    const candidates = this.ids.matches('profileRoomType', room?.roomType) ? [room!.creator] : state.members('join').slice(0, MAX_PRESENCE_IN_PREVIEW);
    const presenceUsers: string[] = [];
    for (const userId of candidates) if (await this.access.maySeePresence(requester.userId, userId)) presenceUsers.push(userId);
    return {
      room_id: roomId,
      ...(membership ? { membership } : {}),
      visibility: room?.isPublic ? 'public' : 'private',
      messages: {
        chunk: messages.map((event) => toClientEvent(event, now, { viewer })),
        start: token.withEvents(messages.length > 0 ? messages[0].streamOrdering - 1 : head).toString(),
        end: token.toString(),
      },
      state: state.events().map((event) => toClientEvent(event, now)),
      presence: await Promise.all(presenceUsers.map((userId) => this.presenceEvent(requester.userId, userId, now))),
      account_data: [],
    };
  }

  /** GET /events?room_id=…: new events of one room after `from`, waiting up to `timeout` for some. */
  async events(requester: Requester, roomId: string | undefined, from: string | undefined, timeout: number, signal?: AbortSignal): Promise<EventsResponse> {
    if (!roomId) throw MatrixError.invalidParam('room_id is required: this server serves /events only for peeking a room');
    await this.access.assertMayRead(requester.userId, roomId);
    const start = from === undefined ? StreamToken.ZERO.withEvents(this.store.currentPosition()) : StreamToken.parse(from);
    const after = Math.min(start.events, this.store.currentPosition());
    const deadline = this.clock.now() + timeout;
    for (;;) {
      const snapshot = this.notifier.snapshot([roomId]);
      const upTo = this.store.currentPosition();
      const { value: events, from } = await this.horizons.readFrom(roomId, after, (above) =>
        this.store.roomEvents({ roomId, after: above, upTo, limit: MAX_EVENTS_PER_POLL, newestFirst: false }),
      );
      if (from > after) return this.purgedAnswer(requester, roomId, start, from);
      const chunk = events.slice(0, MAX_EVENTS_PER_POLL);
      const remaining = deadline - this.clock.now();
      if (chunk.length > 0) {
        // Checked again before delivery: a privacy change or a left room stops it here.
        await this.access.assertMayRead(requester.userId, roomId);
        const now = this.clock.now();
        return {
          chunk: chunk.map((event) => toClientEvent(event, now, { viewer: requester })),
          start: start.toString(),
          end: start.withEvents(chunk.length < events.length ? chunk[chunk.length - 1].streamOrdering : upTo).toString(),
        };
      }
      if (remaining <= 0 || signal?.aborted || this.notifier.isClosing) {
        return { chunk: [], start: start.toString(), end: start.withEvents(upTo).toString() };
      }
      await this.notifier.waitAny(snapshot, remaining, signal);
    }
  }

  /** The answer to a `from` below the horizon: the state there, and an `end` to go on from. */
  private async purgedAnswer(requester: Requester, roomId: string, start: StreamToken, horizon: number): Promise<EventsResponse> {
    const { value: state, from: at } = await this.horizons.readFrom(roomId, horizon, async (above) => (await this.store.stateBefore(roomId, above + 1)).events());
    await this.access.assertMayRead(requester.userId, roomId);
    const now = this.clock.now();
    return {
      chunk: state.sort(byStreamOrder).map((event) => toClientEvent(event, now, { viewer: requester })),
      start: start.toString(),
      end: start.withEvents(at).toString(),
      [HISTORY_PURGED_KEY]: true,
    };
  }

  private async presenceEvent(viewer: string, userId: string, now: number) {
    const profile = await this.profileRooms.getProfile(userId);
    const content = legacyPresenceContent(this.presence.view(userId, viewer), now, this.ids, profile);
    // Room previews use the v1 presence format, which names the user in the content.
    return { type: 'm.presence', sender: userId, content: { ...content, user_id: userId } };
  }
}

function byStreamOrder(a: EventEntity, b: EventEntity): number {
  return a.streamOrdering - b.streamOrdering;
}
