import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module.js';
import { UserEntity } from '../accounts/user.entity.js';
import { ProfilesModule } from '../profiles/profiles.module.js';
import { DeviceActivityController, LegacyPresenceController } from './legacy/legacy-presence.controller.js';
import { LegacyPresenceService } from './legacy/legacy-presence.service.js';
import { PresenceCommands } from './presence-commands.service.js';
import { PresenceHistoryRetention } from './presence-history-retention.js';
import { PresenceOwnerController } from './presence-owner.controller.js';
import { PresenceOwnership } from './presence-ownership.js';
import { PresenceReader } from './presence-reader.service.js';
import { PresenceService } from './presence.service.js';
import { PresenceWriter } from './presence-writer.js';
import { ProfileChangeReader } from './profile-change-reader.js';
import { DerivedPresenceChanges } from './derived-presence-changes.js';
import { StoredPresence } from './stored-presence.js';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), ProfilesModule, AccessModule],
  controllers: [LegacyPresenceController, DeviceActivityController, PresenceOwnerController],
  providers: [
    PresenceService,
    PresenceOwnership,
    PresenceWriter,
    StoredPresence,
    DerivedPresenceChanges,
    PresenceCommands,
    PresenceReader,
    LegacyPresenceService,
    ProfileChangeReader,
    PresenceHistoryRetention,
  ],
  exports: [PresenceService, StoredPresence, PresenceCommands, PresenceReader, LegacyPresenceService],
})
export class PresenceModule {}
