import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';
import { RoomAliasEntity } from '../rooms/room-alias.entity.js';
import { RoomEntity } from '../rooms/room.entity.js';
import { EventEntity } from './event.entity.js';
import { EventQueries } from './event-queries.js';
import { EventStore } from './event-store.service.js';
import { HistoryHorizons } from './history-horizons.js';
import { HistoryPurger } from './history-purger.js';
import { RoomMembershipEntity } from './room-membership.entity.js';
import { RoomStateEntity } from './room-state.entity.js';
import { StreamNotifier } from './stream-notifier.service.js';

/** Rooms and events storage, the domain event bus, the long-poll notifier and the clock: what every feature builds on. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([EventEntity, RoomStateEntity, RoomMembershipEntity, RoomEntity, RoomAliasEntity]),
  ],
  providers: [EventQueries, EventStore, HistoryHorizons, HistoryPurger, DomainEventBus, Clock, StreamNotifier],
  exports: [EventStore, HistoryHorizons, HistoryPurger, DomainEventBus, Clock, StreamNotifier],
})
export class EventsModule {}
