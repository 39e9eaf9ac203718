import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DomainEventBus } from '../common/event-bus.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';
import { RoomAccessService } from './room-access.service.js';

const MAX_ENTRIES = 200_000;

/**
 * Remembers who may see whose presence, for live streams that check it on every delivery.
 * Any membership or privacy change anywhere starts a new epoch, so a revoked viewer is refused
 * from the very next delivery; between such changes a check costs a map lookup.
 */
@Injectable()
export class PresenceVisibilityCache implements OnModuleInit, OnModuleDestroy {
  private epoch = 0;
  private readonly decisions = new Map<string, { epoch: number; allowed: boolean }>();
  private stop?: () => void;
  private readonly privacyTypes: string[];

  constructor(
    private readonly access: RoomAccessService,
    private readonly bus: DomainEventBus,
    ids: MscIdentifiers,
  ) {
    this.privacyTypes = ids.both('profilePrivacy');
  }

  onModuleInit(): void {
    this.stop = this.bus.on('room.events.persisted', ({ events }) => {
      if (events.some((event) => event.type === 'm.room.member' || this.privacyTypes.includes(event.type))) {
        this.epoch += 1;
        this.decisions.clear();
      }
    });
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** Bumped by every membership or privacy change: a decision made at an older epoch may be stale. */
  get currentEpoch(): number {
    return this.epoch;
  }

  /** The cached decision, if there is one for the current epoch: fan-out loops skip a promise per follower. */
  known(viewer: string, owner: string): boolean | undefined {
    const known = this.decisions.get(`${viewer}\u0000${owner}`);
    return known && known.epoch === this.epoch ? known.allowed : undefined;
  }

  async maySeePresence(viewer: string, owner: string): Promise<boolean> {
    const known = this.known(viewer, owner);
    if (known !== undefined) return known;
    const key = `${viewer}\u0000${owner}`;
    const epoch = this.epoch;
    const allowed = await this.access.maySeePresence(viewer, owner);
    if (this.decisions.size >= MAX_ENTRIES) this.decisions.clear();
    if (epoch === this.epoch) this.decisions.set(key, { epoch, allowed });
    return allowed;
  }
}
