import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountDataController } from './account-data.controller.js';
import { AccountDataEntity } from './account-data.entity.js';
import { AccountDataService } from './account-data.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([AccountDataEntity])],
  controllers: [AccountDataController],
  providers: [AccountDataService],
  exports: [AccountDataService],
})
export class AccountDataModule {}
