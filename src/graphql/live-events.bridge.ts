import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '../common/event-bus.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import type { EventEntity } from '../events/event.entity.js';
import { PresenceReader } from '../presence/presence-reader.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { PUB_SUB, TRIGGERS, type LivePubSub, type PresenceChangedPayload, type RoomStatePayload } from './pubsub.js';

/**
 * Carries what this process committed onto the pub/sub engine: state events per room (for
 * profileRoomEvents), presence/status/profile/privacy changes per owner (for presenceChanged),
 * and the presence changes no event carries (a derived currently_active lapse, noted by the
 * presence owner). Each payload holds the position the change stands at. What other processes
 * committed is theirs to publish: in a cluster it comes through the Redis engine, once.
 */
@Injectable()
export class LiveEventsBridge implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveEventsBridge.name);
  private stop?: () => void;
  private readonly presenceTypes: string[];
  /** The types that change the profile fields riding along with presence. */
  private readonly profileTypes: string[];

  constructor(
    @Inject(PUB_SUB) private readonly pubsub: LivePubSub,
    private readonly bus: DomainEventBus,
    private readonly profileRooms: ProfileRoomService,
    private readonly reader: PresenceReader,
    ids: MscIdentifiers,
  ) {
    this.presenceTypes = (['presence', 'status', 'profileField', 'profilePrivacy'] as const).flatMap((name) => ids.both(name));
    this.profileTypes = ids.both('profileField');
  }

  onModuleInit(): void {
    const failed = (error: unknown) => this.logger.error('live events not published', error instanceof Error ? error.stack : String(error));
    const stops = [
      this.bus.on('room.events.persisted', ({ events, learned }) => {
        // Before anything is delivered here: a payload waits for these events to be learned, and this runs as they are.
        for (const event of events) if (event.stateKey !== null && this.profileTypes.includes(event.type)) this.reader.forget(event.sender);
        if (!learned) void this.forward(events).catch(failed);
      }),
      this.bus.on('presence.derived-change', ({ userId, position, learned }) => {
        if (learned) return;
        // A derived lapse has no event; subscribers get the view that shows it.
        void this.pubsub.publish(TRIGGERS.presenceChanged(userId), { userId, presencePosition: position } satisfies PresenceChangedPayload).catch(failed);
      }),
    ];
    this.stop = () => stops.forEach((stop) => stop());
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  private async forward(events: readonly EventEntity[]): Promise<void> {
    const latestByRoom = new Map<string, number>();
    const latestByOwner = new Map<string, number>();
    for (const event of events) {
      if (event.stateKey === null) continue;
      latestByRoom.set(event.roomId, event.streamOrdering);
      if (this.presenceTypes.includes(event.type) && (await this.profileRooms.isProfileRoomOf(event.sender, event.roomId))) {
        latestByOwner.set(event.sender, event.streamOrdering);
      }
    }
    // At once, not one Redis round trip after another: one trigger per room and owner, so no order between them matters.
    await Promise.all([
      ...[...latestByRoom].map(([roomId, streamOrdering]) => this.pubsub.publish(TRIGGERS.roomState(roomId), { roomId, streamOrdering } satisfies RoomStatePayload)),
      ...[...latestByOwner].map(([userId, streamOrdering]) => this.pubsub.publish(TRIGGERS.presenceChanged(userId), { userId, streamOrdering } satisfies PresenceChangedPayload)),
    ]);
  }
}
