import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { RoomsModule } from '../rooms/rooms.module.js';
import { PeekingController, RoomPreviewController } from './peeking.controller.js';
import { PeeksService } from './peeks.service.js';
import { RoomPeekEntity } from './room-peek.entity.js';
import { RoomPreviewService } from './room-preview.service.js';

/** Following rooms without joining them: spec room previews and MSC2753 peeks. */
@Module({
  imports: [TypeOrmModule.forFeature([RoomPeekEntity]), AccessModule, PresenceModule, ProfilesModule, RoomsModule],
  controllers: [RoomPreviewController, PeekingController],
  providers: [RoomPreviewService, PeeksService],
  exports: [PeeksService],
})
export class PeekingModule {}
