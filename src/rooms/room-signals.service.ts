import { Injectable } from '@nestjs/common';
import type { Requester } from '../auth/requester.js';
import { DomainEventBus } from '../common/event-bus.js';
import { MatrixError } from '../common/matrix-error.js';
import { EventStore } from '../events/event-store.service.js';

@Injectable()
export class RoomSignalsService {
  constructor(
    private readonly store: EventStore,
    private readonly bus: DomainEventBus,
  ) {}

  async receipt(requester: Requester, roomId: string, eventId: string): Promise<void> {
    await this.requireJoined(requester, roomId);
    const event = await this.store.getEvent(eventId);
    if (!event || event.roomId !== roomId) throw MatrixError.notFound('Event not found');
    this.bus.emit('user.activity', requester);
  }

  /** Typing (when starting to type) and read markers count as proactive activity. */
  async activity(requester: Requester, roomId: string, isActive = true): Promise<void> {
    await this.requireJoined(requester, roomId);
    if (isActive) this.bus.emit('user.activity', requester);
  }

  private async requireJoined(requester: Requester, roomId: string): Promise<void> {
    if ((await this.store.membership(roomId, requester.userId)) !== 'join') {
      throw MatrixError.forbidden(`You are not in the room ${roomId}`);
    }
  }
}
