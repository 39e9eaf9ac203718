import { Module } from '@nestjs/common';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { RoomAccessService } from './room-access.service.js';

@Module({
  imports: [ProfilesModule],
  providers: [RoomAccessService],
  exports: [RoomAccessService],
})
export class AccessModule {}
