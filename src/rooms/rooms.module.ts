import { Module } from '@nestjs/common';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { DirectoryController } from './directory.controller.js';
import { DirectoryService } from './directory.service.js';
import { RoomEventsController } from './room-events.controller.js';
import { RoomHistoryService } from './room-history.service.js';
import { RoomSignalsController } from './room-signals.controller.js';
import { RoomSignalsService } from './room-signals.service.js';
import { RoomsController } from './rooms.controller.js';
import { RoomsService } from './rooms.service.js';

@Module({
  imports: [ProfilesModule],
  controllers: [RoomsController, RoomEventsController, RoomSignalsController, DirectoryController],
  providers: [RoomsService, RoomHistoryService, RoomSignalsService, DirectoryService],
  exports: [RoomsService],
})
export class RoomsModule {}
