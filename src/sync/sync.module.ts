import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountDataModule } from '../account-data/account-data.module.js';
import { PeekingModule } from '../peeking/peeking.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { FilterController } from './filter.controller.js';
import { FilterEntity } from './filter.entity.js';
import { FilterService } from './filter.service.js';
import { RoomSections } from './room-sections.js';
import { SyncController } from './sync.controller.js';
import { SyncService } from './sync.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([FilterEntity]), AccountDataModule, PresenceModule, PeekingModule],
  controllers: [SyncController, FilterController],
  providers: [SyncService, RoomSections, FilterService],
})
export class SyncModule {}
