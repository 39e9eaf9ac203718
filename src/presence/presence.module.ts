import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module.js';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { DeviceActivityController, LegacyPresenceController } from './legacy/legacy-presence.controller.js';
import { LegacyPresenceService } from './legacy/legacy-presence.service.js';
import { PresenceStateEntity } from './presence-state.entity.js';
import { PresenceService } from './presence.service.js';
import { ProfileChangeReader } from './profile-change-reader.js';

@Module({
  imports: [TypeOrmModule.forFeature([PresenceStateEntity]), ProfilesModule, AccessModule],
  controllers: [LegacyPresenceController, DeviceActivityController],
  providers: [PresenceService, LegacyPresenceService, ProfileChangeReader],
  exports: [PresenceService, LegacyPresenceService],
})
export class PresenceModule {}
