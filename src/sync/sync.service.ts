import { Injectable } from '@nestjs/common';
import { AccountDataEntity } from '../account-data/account-data.entity.js';
import { AccountDataService } from '../account-data/account-data.service.js';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import { eventMatches, roomMatches, type SyncFilter } from '../events/event-filter.js';
import { EventStore } from '../events/event-store.service.js';
import { StreamToken } from '../events/stream-token.js';
import { PeeksService } from '../peeking/peeks.service.js';
import type { RoomPeekEntity } from '../peeking/room-peek.entity.js';
import { Metrics } from '../operations/metrics/metrics.js';
import { LegacyPresenceService } from '../presence/legacy/legacy-presence.service.js';
import { FilterService } from './filter.service.js';
import { RoomSections, type SyncWindow } from './room-sections.js';
import { StreamNotifier } from '../events/stream-notifier.service.js';
import { isEmptySync, type SyncResponse } from './sync-response.js';

/** The longest a /sync long-poll may wait, whatever the client asks. */
export const MAX_SYNC_TIMEOUT_MS = 300_000;
export interface SyncRequest {
  since?: string;
  timeout?: string;
  full_state?: string;
  filter?: string;
  set_presence?: string;
}

/** GET /sync: what changed for a user between two stream positions, waiting when nothing did. */
@Injectable()
export class SyncService {
  constructor(
    private readonly store: EventStore,
    private readonly rooms: RoomSections,
    private readonly accountData: AccountDataService,
    private readonly filters: FilterService,
    private readonly notifier: StreamNotifier,
    private readonly legacyPresence: LegacyPresenceService,
    private readonly peeks: PeeksService,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  /** `abandoned` gives a signal that aborts when the client goes away; it is asked for only by a sync that may wait. */
  async sync(requester: Requester, request: SyncRequest, abandoned?: () => AbortSignal): Promise<SyncResponse> {
    const since = request.since ? StreamToken.parse(request.since) : null;
    const timeout = parseTimeout(request.timeout);
    const fullState = parseBoolean(request.full_state, 'full_state');
    const filter = await this.filters.resolve(requester, request.filter);
    // Only an incremental sync with a timeout can wait: an initial or full_state one answers at once.
    const mayWait = since !== null && !fullState && timeout > 0;
    const ending = await this.legacyPresence.syncStarted(requester, request.set_presence, mayWait);
    try {
      await this.store.caughtUp();
      return await this.poll(requester, since, mayWait ? timeout : 0, fullState, filter, mayWait ? abandoned?.() : undefined);
    } finally {
      if (ending) await this.legacyPresence.syncEnded(requester);
    }
  }

  private async poll(
    requester: Requester,
    since: StreamToken | null,
    timeout: number,
    fullState: boolean,
    filter: SyncFilter,
    signal: AbortSignal | undefined,
  ): Promise<SyncResponse> {
    const deadline = this.clock.now() + timeout;
    for (;;) {
      const peeks = await this.peeks.refresh(requester.userId);
      // Wake on anything for the user, or on any event in a room they peek (taken before reading, so nothing is missed).
      const snapshot = timeout > 0 ? this.notifier.snapshot([requester.userId, ...peeks.map((peek) => peek.roomId)]) : null;
      const response = await this.build(requester, since, fullState, filter, peeks);
      if (!snapshot) return response;
      const now = this.clock.now();
      const remaining = deadline - now;
      if (!isEmptySync(response) || remaining <= 0 || signal?.aborted) return response;
      // Wake in time to report a peek expiring meanwhile.
      const expiry = this.peeks.nextExpiry(peeks);
      this.metrics.syncLongPolls.inc();
      try {
        await this.notifier.waitAny(snapshot, expiry === null ? remaining : Math.min(remaining, expiry - now + 1), signal);
      } finally {
        this.metrics.syncLongPolls.dec();
      }
      if (this.notifier.isClosing) return response;
    }
  }

  private async build(
    requester: Requester,
    sinceToken: StreamToken | null,
    fullState: boolean,
    filter: SyncFilter,
    peeks: RoomPeekEntity[],
  ): Promise<SyncResponse> {
    const upTo = new StreamToken(
      this.store.currentPosition(),
      this.accountData.currentPosition(),
      this.peeks.currentPosition(),
      this.legacyPresence.currentPosition(),
    );
    // A token from the future (another server's, or before a restore) reads as "now".
    const since = sinceToken && sinceToken.min(upTo);
    const window: SyncWindow = {
      since,
      upTo,
      fullState,
      filter,
      viewer: { userId: requester.userId, deviceId: requester.deviceId },
      now: this.clock.now(),
    };
    const accountData = await this.accountData.changes(requester.userId, since?.accountData ?? 0, upTo.accountData);
    const roomAccountData = groupByRoom(accountData.filter((row) => row.roomId !== ''));
    const response: SyncResponse = {
      next_batch: upTo.toString(),
      rooms: { join: {}, invite: {}, leave: {}, knock: {} },
      account_data: {
        events: accountData
          .filter((row) => row.roomId === '' && eventMatches(filter.account_data, { type: row.type }))
          .map((row) => ({ type: row.type, content: row.content })),
      },
    };

    const presence = await this.legacyPresence.syncSection(requester, since, upTo, filter.presence);
    if (presence.length > 0) response.presence = { events: presence };

    const memberships = await this.store.membershipsOf(requester.userId);
    const joinedRooms = new Set(memberships.filter((row) => row.membership === 'join').map((row) => row.roomId));
    for (const peek of peeks) {
      if (joinedRooms.has(peek.roomId) || !roomMatches(filter.room, peek.roomId)) continue;
      const room = await this.rooms.roomUpdate(window, peek.roomId, !since || peek.startedId > since.peeks, false);
      if (room) (response.rooms.peek ??= {})[peek.roomId] = { ...room, account_data: { events: [] } };
    }
    if (since) {
      for (const ended of await this.peeks.endedBetween(requester.userId, since.peeks, upTo.peeks)) {
        if (joinedRooms.has(ended.roomId) || !roomMatches(filter.room, ended.roomId)) continue;
        const empty = { events: [], limited: false, prev_batch: upTo.toString() };
        response.rooms.leave[ended.roomId] ??= { timeline: empty, state: { events: [] }, account_data: { events: [] } };
      }
    }

    for (const membership of memberships) {
      // A membership newer than this snapshot is picked up by the next sync.
      if (membership.streamOrdering > upTo.events || !roomMatches(filter.room, membership.roomId)) continue;
      const roomData = roomAccountData.get(membership.roomId) ?? [];
      const changedSince = !since || membership.streamOrdering > since.events;
      switch (membership.membership) {
        case 'join': {
          const joinedSince = changedSince && (!since || (await this.rooms.joinedWithin(window, membership)));
          const room = await this.rooms.joinedRoom(window, membership, joinedSince, roomData);
          if (room) response.rooms.join[membership.roomId] = room;
          break;
        }
        case 'invite':
          if (changedSince) response.rooms.invite[membership.roomId] = await this.rooms.invitedRoom(membership);
          break;
        case 'leave':
        case 'ban': {
          const room = await this.rooms.leftRoom(window, membership, changedSince, roomData);
          if (room) response.rooms.leave[membership.roomId] = room;
          break;
        }
        default:
          break;
      }
    }
    return response;
  }
}

function groupByRoom(rows: AccountDataEntity[]): Map<string, AccountDataEntity[]> {
  const byRoom = new Map<string, AccountDataEntity[]>();
  for (const row of rows) byRoom.set(row.roomId, [...(byRoom.get(row.roomId) ?? []), row]);
  return byRoom;
}

/** `timeout` in milliseconds: absent means 0; negative is 0; beyond the maximum is the maximum. */
export function parseTimeout(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  if (!/^-?\d+$/.test(raw)) throw MatrixError.invalidParam('timeout must be an integer number of milliseconds');
  return Math.min(Math.max(Number(raw), 0), MAX_SYNC_TIMEOUT_MS);
}

function parseBoolean(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  throw MatrixError.invalidParam(`${name} must be true or false`);
}
