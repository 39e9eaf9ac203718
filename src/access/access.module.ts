import { Module } from '@nestjs/common';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { PresenceVisibilityCache } from './presence-visibility-cache.js';
import { RoomAccessService } from './room-access.service.js';

@Module({
  imports: [ProfilesModule],
  providers: [RoomAccessService, PresenceVisibilityCache],
  exports: [RoomAccessService, PresenceVisibilityCache],
})
export class AccessModule {}
