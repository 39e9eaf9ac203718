import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '../common/event-bus.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import type { EventEntity } from '../events/event.entity.js';
import { PresenceReader } from '../presence/presence-reader.service.js';
import { PresenceService } from '../presence/presence.service.js';
import { ProfileRoomService } from '../profiles/profile-room.service.js';
import { PUB_SUB, TRIGGERS, type LivePubSub, type PresenceChangedPayload, type RoomStatePayload } from './pubsub.js';

/**
 * Carries committed room events onto the pub/sub engine: state events per room (for
 * profileRoomEvents), and presence/status/profile/privacy changes per owner (for presenceChanged),
 * with the presence changes no event carries (a derived currently_active lapse).
 */
@Injectable()
export class LiveEventsBridge implements OnModuleInit, OnModuleDestroy {
  private stop?: () => void;
  private readonly presenceTypes: string[];
  /** The types that change the profile fields riding along with presence. */
  private readonly profileTypes: string[];

  constructor(
    @Inject(PUB_SUB) private readonly pubsub: LivePubSub,
    private readonly bus: DomainEventBus,
    private readonly profileRooms: ProfileRoomService,
    private readonly reader: PresenceReader,
    private readonly presence: PresenceService,
    ids: MscIdentifiers,
  ) {
    this.presenceTypes = (['presence', 'status', 'profileField', 'profilePrivacy'] as const).flatMap((name) => ids.both(name));
    this.profileTypes = ids.both('profileField');
  }

  onModuleInit(): void {
    const stops = [
      this.bus.on('room.events.persisted', ({ events }) => void this.forward(events)),
      // A derived lapse has no event; subscribers get the view that shows it.
      this.bus.on('presence.derived-change', ({ userId }) => void this.pubsub.publish(TRIGGERS.presenceChanged(userId), { userId } satisfies PresenceChangedPayload)),
    ];
    this.stop = () => stops.forEach((stop) => stop());
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  private async forward(events: readonly EventEntity[]): Promise<void> {
    const latestByRoom = new Map<string, number>();
    const owners = new Set<string>();
    for (const event of events) {
      if (event.stateKey === null) continue;
      latestByRoom.set(event.roomId, event.streamOrdering);
      if (this.presenceTypes.includes(event.type) && (await this.profileRooms.isProfileRoomOf(event.sender, event.roomId))) {
        owners.add(event.sender);
        if (this.profileTypes.includes(event.type)) this.reader.forget(event.sender);
      }
    }
    for (const [roomId, streamOrdering] of latestByRoom) {
      await this.pubsub.publish(TRIGGERS.roomState(roomId), { roomId, streamOrdering } satisfies RoomStatePayload);
    }
    for (const userId of owners) {
      // What another process published is delivered once this one has read it.
      await this.presence.current(userId);
      await this.pubsub.publish(TRIGGERS.presenceChanged(userId), { userId } satisfies PresenceChangedPayload);
    }
  }
}
