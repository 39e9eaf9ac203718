import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { RoomAccessService } from '../../access/room-access.service.js';
import type { Requester } from '../../auth/requester.js';
import { Clock } from '../../common/clock.js';
import { DomainEventBus } from '../../common/event-bus.js';
import { MatrixError } from '../../common/matrix-error.js';
import { parseUserId } from '../../common/matrix-ids.js';
import { MscIdentifiers } from '../../common/msc-identifiers.js';
import { eventMatches, type EventFilter } from '../../events/event-filter.js';
import type { EventEntity } from '../../events/event.entity.js';
import { EventStore } from '../../events/event-store.service.js';
import { StreamNotifier } from '../../events/stream-notifier.service.js';
import type { StreamToken } from '../../events/stream-token.js';
import { LegacyFlagsService } from '../../legacy/legacy-flags.service.js';
import { ProfileRoomService } from '../../profiles/profile-room.service.js';
import type { PresenceState } from '../core/presence-model.js';
import { legacyPresenceContent, parseWirePresence } from '../presence-events.js';
import { DerivedPresenceChanges } from '../derived-presence-changes.js';
import { PresenceCommands } from '../presence-commands.service.js';
import { PresenceService } from '../presence.service.js';
import { StoredPresence } from '../stored-presence.js';
import { ProfileChangeReader } from '../profile-change-reader.js';

export interface LegacyPresenceEvent {
  type: 'm.presence';
  sender: string;
  content: Record<string, unknown>;
}

/**
 * The legacy presence API as an adapter over the presence engine: it owns no state. PUT maps to
 * the engine's inputs, GET and the /sync presence section read the engine's views (the same
 * state the profile room shows), and a change published in a profile room wakes the long-polls
 * of everyone who shares a room with its owner.
 */
@Injectable()
export class LegacyPresenceService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LegacyPresenceService.name);
  private stopListening?: () => void;

  constructor(
    private readonly presence: PresenceService,
    private readonly commands: PresenceCommands,
    private readonly derived: DerivedPresenceChanges,
    private readonly stored: StoredPresence,
    private readonly access: RoomAccessService,
    private readonly flags: LegacyFlagsService,
    private readonly store: EventStore,
    private readonly profileRooms: ProfileRoomService,
    private readonly changes: ProfileChangeReader,
    private readonly notifier: StreamNotifier,
    private readonly bus: DomainEventBus,
    private readonly clock: Clock,
    private readonly ids: MscIdentifiers,
  ) {}

  onModuleInit(): void {
    const failed = (error: unknown) => this.logger.error('presence wake-up failed', error instanceof Error ? error.stack : String(error));
    const stops = [
      this.bus.on('room.events.persisted', ({ events }) => void this.wakeWatchers(events).catch(failed)),
      // A derived lapse has no event: legacy clients, who do not derive, hear of it through the presence stream.
      this.bus.on('presence.derived-change', ({ userId }) => void this.wakeWatchersOf([userId]).catch(failed)),
    ];
    this.stopListening = () => stops.forEach((stop) => stop());
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  /** Where the presence stream stands, for /sync tokens. */
  currentPosition(): number {
    return this.derived.currentPosition();
  }

  /** PUT /presence/{userId}/status: the manual layer (msc3032) or the device slot (legacy policy). */
  async setStatus(requester: Requester, userId: string, presence: string, statusMsg: string | null | undefined): Promise<void> {
    this.requireUserId(userId);
    if (requester.userId !== userId) throw MatrixError.forbidden("You cannot set another user's presence");
    // The legacy PUT clears the status text when it carries none, as Synapse does.
    await this.commands.setManual(requester, this.parseState(presence), statusMsg ?? null);
  }

  /** POST …/org.matrix.msc3032/presence/activity: an explicit report for the calling device. */
  async reportDeviceState(requester: Requester, state: string): Promise<void> {
    await this.commands.reportDevice(requester, this.parseState(state));
  }

  /**
   * `set_presence` of /sync: `online` (or absent) marks the device online, `unavailable` idle,
   * `offline` says nothing. Over the rate limit the input is dropped and the sync goes on. A sync
   * that cannot wait ends here too. Returns whether `syncEnded` must follow when the sync returns.
   */
  async syncStarted(requester: Requester, setPresence: string | undefined, mayWait: boolean): Promise<boolean> {
    // Removed, /sync has no effect on presence at all (PRODUCT.md 11.6): devices report through the activity endpoint.
    if (this.flags.isRemoved('sync_set_presence')) return false;
    const state = setPresence ?? 'online';
    if (state !== 'online' && state !== 'unavailable' && state !== 'offline') {
      throw MatrixError.invalidParam('set_presence must be one of online, unavailable, offline');
    }
    return state !== 'offline' && this.commands.syncStarted(requester, state, mayWait);
  }

  /** Ends what `syncStarted` began: the device stays live while its long-poll waits. */
  async syncEnded(requester: Requester): Promise<void> {
    await this.commands.syncEnded(requester);
  }

  /** GET /presence/{userId}/status: self always; others when they share a joined room or may peek the profile room. */
  async getStatus(requester: Requester, userId: string): Promise<Record<string, unknown>> {
    this.requireUserId(userId);
    if (!(await this.profileRooms.userExists(userId))) throw MatrixError.notFound(`User ${userId} not found`);
    if (!(await this.access.maySeePresence(requester.userId, userId))) {
      throw MatrixError.forbidden('You are not allowed to see their presence');
    }
    await this.stored.caughtUp([userId], requester.userId);
    return legacyPresenceContent(this.presence.view(userId, requester.userId), this.clock.now(), this.ids, {}, { nullStatus: true });
  }

  /**
   * The `presence` section of /sync: the user's own presence and that of everyone sharing a
   * joined room with them; all of them on an initial sync, afterwards those whose presence,
   * status or profile changed (in the event stream, or with no event in the presence stream),
   * and each new room-mate's current presence once.
   */
  async syncSection(requester: Requester, since: StreamToken | null, upTo: StreamToken, filter: EventFilter | undefined): Promise<LegacyPresenceEvent[]> {
    if (!this.presence.enabled || this.flags.isRemoved('sync_presence')) return [];
    const me = requester.userId;
    const mates = await this.store.usersSharingRoomWith(me);
    // Users always see their own presence, even when in no room at all.
    const visible = mates.has(me) ? mates : new Set([...mates, me]);
    const changed =
      since === null
        ? visible
        : new Set([
            ...(await this.changes.usersChangedBetween(me, visible, since.events, upTo.events)),
            ...this.derived.changesBetween(visible, since.presence, upTo.presence),
          ]);
    const now = this.clock.now();
    const events: LegacyPresenceEvent[] = [];
    // The user's own presence comes first, as clients (and sytest) expect.
    const ordered = [...changed].sort((a, b) => (a === me ? -1 : b === me ? 1 : a.localeCompare(b)));
    for (const userId of ordered) {
      if (!eventMatches(filter, { type: 'm.presence', sender: userId })) continue;
      const profile = await this.profileRooms.getProfile(userId);
      const content = legacyPresenceContent(this.presence.view(userId, me), now, this.ids, profile);
      events.push({ type: 'm.presence', sender: userId, content });
    }
    return filter?.limit !== undefined ? events.slice(0, filter.limit) : events;
  }

  /** A presence, status or profile change in a profile room wakes its owner's room-mates. */
  private async wakeWatchers(events: readonly EventEntity[]): Promise<void> {
    const owners = new Set<string>();
    for (const event of events) {
      if (this.changes.isProfileChangeType(event.type) && (await this.profileRooms.isProfileRoomOf(event.sender, event.roomId))) {
        owners.add(event.sender);
      }
    }
    await this.wakeWatchersOf(owners);
  }

  private async wakeWatchersOf(owners: Iterable<string>): Promise<void> {
    for (const owner of owners) {
      const watchers = await this.store.usersSharingRoomWith(owner);
      this.notifier.wake(watchers.has(owner) ? watchers : [...watchers, owner]);
    }
  }

  private parseState(value: string): PresenceState {
    const state = parseWirePresence(value, this.ids);
    if (!state) throw MatrixError.invalidParam(`Unknown presence ${JSON.stringify(value)}`);
    return state;
  }

  private requireUserId(userId: string): void {
    if (!parseUserId(userId)) throw MatrixError.invalidParam(`Invalid user ID ${JSON.stringify(userId)}`);
  }
}
