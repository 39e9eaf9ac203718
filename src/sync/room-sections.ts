import { Injectable } from '@nestjs/common';
import type { AccountDataEntity } from '../account-data/account-data.entity.js';
import { toClientEvent, toStrippedState, type Viewer } from '../events/client-event.js';
import { eventMatches, projectClientEvent, type SyncFilter } from '../events/event-filter.js';
import type { EventEntity } from '../events/event.entity.js';
import { EventStore } from '../events/event-store.service.js';
import { HistoryHorizons } from '../events/history-horizons.js';
import type { RoomMembershipEntity } from '../events/room-membership.entity.js';
import type { StreamToken } from '../events/stream-token.js';
import { joinedWithinWindow } from './membership-window.js';
import type { JoinedRoomSync, LeftRoomSync, Timeline } from './sync-response.js';

const DEFAULT_TIMELINE_LIMIT = 10;
const INVITE_STATE_TYPES = new Set([
  'm.room.create',
  'm.room.join_rules',
  'm.room.name',
  'm.room.avatar',
  'm.room.canonical_alias',
  'm.room.encryption',
  'm.room.topic',
]);

/** What one /sync answers for: its positions, options and reader. */
export interface SyncWindow {
  since: StreamToken | null;
  upTo: StreamToken;
  fullState: boolean;
  filter: SyncFilter;
  viewer: Viewer;
  now: number;
}

/** The per-room sections of a /sync answer (joined, invited, left, peeked), read for one window. */
@Injectable()
export class RoomSections {
  constructor(
    private readonly store: EventStore,
    private readonly horizons: HistoryHorizons,
  ) {}

  async joinedRoom(
    window: SyncWindow,
    membership: RoomMembershipEntity,
    joinedSince: boolean,
    accountData: AccountDataEntity[],
  ): Promise<JoinedRoomSync | null> {
    const update = await this.roomUpdate(window, membership.roomId, joinedSince, accountData.length > 0);
    if (!update) return null;
    const memberships = [...update.timeline.events, ...update.state.events].some((event) => event.type === 'm.room.member');
    return {
      ...update,
      account_data: { events: accountData.map((row) => ({ type: row.type, content: row.content })) },
      ephemeral: { events: [] },
      unread_notifications: { highlight_count: 0, notification_count: 0 },
      // The summary only changes with membership: an unchanged one is left out, as the spec allows.
      summary: update.state.events.length > 0 || memberships ? await this.summary(window, membership.roomId) : {},
    };
  }

  /** Whether the user's join, changed within the window, is a new one rather than a join→join profile change. */
  async joinedWithin(window: SyncWindow, membership: RoomMembershipEntity): Promise<boolean> {
    const events = await this.store.eventsBetween({
      types: ['m.room.member'],
      roomIds: [membership.roomId],
      after: window.since?.events ?? 0,
      upTo: window.upTo.events,
    });
    return joinedWithinWindow(events, membership.userId);
  }

  private async summary(window: SyncWindow, roomId: string): Promise<JoinedRoomSync['summary']> {
    const current = await this.store.currentState(roomId);
    const joined = current.members('join');
    const invited = current.members('invite');
    return {
      'm.heroes': [...joined, ...invited].filter((user) => user !== window.viewer.userId).sort().slice(0, 5),
      'm.joined_member_count': joined.length,
      'm.invited_member_count': invited.length,
    };
  }

  /**
   * The timeline and state of a room the user follows (joined or peeked): everything (the state
   * at the start of the timeline) when it is new to them, otherwise what happened since. A
   * `since` below the room's purge horizon is answered as a gap: a limited timeline from the
   * horizon and the whole state at its start, as for a room new to them.
   */
  async roomUpdate(
    window: SyncWindow,
    roomId: string,
    newlyVisible: boolean,
    otherChanges: boolean,
  ): Promise<Pick<JoinedRoomSync, 'timeline' | 'state'> | null> {
    const { since, upTo } = window;
    const after = newlyVisible || !since ? 0 : since.events;
    const { value } = await this.horizons.readFrom(roomId, after, async (from) => {
      const gap = after > 0 && from > after;
      const full = !since || newlyVisible || window.fullState || gap;
      const { timeline, firstOrdering } = await this.timeline(window, roomId, from, upTo.events, gap);
      if (!full && timeline.events.length === 0 && !otherChanges) return null;
      const stateEvents = full
        ? (await this.store.stateBefore(roomId, firstOrdering)).events()
        : timeline.limited
          ? await this.store.stateBetween(roomId, from, firstOrdering)
          : [];
      return { timeline, state: { events: this.formatState(window, roomId, stateEvents) } };
    });
    return value;
  }

  async invitedRoom(membership: RoomMembershipEntity) {
    const state = await this.store.currentState(membership.roomId);
    const events = state.events().filter((event) => INVITE_STATE_TYPES.has(event.type));
    const invite = state.get('m.room.member', membership.userId);
    if (invite) events.push(invite);
    return { invite_state: { events: events.map(toStrippedState) } };
  }

  async leftRoom(
    window: SyncWindow,
    membership: RoomMembershipEntity,
    leftSince: boolean,
    accountData: AccountDataEntity[],
  ): Promise<LeftRoomSync | null> {
    const { since } = window;
    if (since ? !leftSince : !window.filter.room?.include_leave) return null;
    const after = since?.events ?? 0;
    const { value } = await this.horizons.readFrom(membership.roomId, after, async (from) => {
      const gap = after > 0 && from > after;
      const { timeline, firstOrdering } = await this.timeline(window, membership.roomId, from, membership.streamOrdering, gap);
      const stateEvents =
        !since || gap
          ? (await this.store.stateBefore(membership.roomId, firstOrdering)).events()
          : await this.store.stateBetween(membership.roomId, from, firstOrdering);
      return {
        timeline,
        state: { events: this.formatState(window, membership.roomId, stateEvents) },
        account_data: { events: accountData.map((row) => ({ type: row.type, content: row.content })) },
      };
    });
    return value;
  }

  /** The newest events in (after, upTo] passing the timeline filter, oldest first; limited when more came before, or history was skipped. */
  private async timeline(
    window: SyncWindow,
    roomId: string,
    after: number,
    upTo: number,
    skipped = false,
  ): Promise<{ timeline: Timeline; firstOrdering: number }> {
    const timelineFilter = window.filter.room?.timeline;
    const limit = timelineFilter?.limit ?? DEFAULT_TIMELINE_LIMIT;
    const found = await this.store.roomEvents({
      roomId,
      after,
      upTo,
      limit,
      newestFirst: true,
      accept: (event) => eventMatches(timelineFilter, { type: event.type, sender: event.sender, content: event.content }),
    });
    const events = found.slice(0, limit).reverse();
    const firstOrdering = events.length > 0 ? events[0].streamOrdering : upTo + 1;
    return {
      timeline: {
        events: events.map((event) => this.format(window, event)),
        limited: skipped || found.length > limit,
        prev_batch: window.upTo.withEvents(firstOrdering - 1).toString(),
      },
      firstOrdering,
    };
  }

  private formatState(window: SyncWindow, roomId: string, events: EventEntity[]) {
    const stateFilter = window.filter.room?.state;
    return events
      .filter((event) => eventMatches(stateFilter, { type: event.type, sender: event.sender, roomId, content: event.content }))
      .map((event) => this.format(window, event));
  }

  private format(window: SyncWindow, event: EventEntity) {
    const clientEvent = toClientEvent(event, window.now, { viewer: window.viewer, includeRoomId: false });
    return projectClientEvent(clientEvent, window.filter.event_fields);
  }
}
