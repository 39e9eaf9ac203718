import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeviceEntity } from '../accounts/device.entity.js';
import { AccessTokenGuard } from './access-token.guard.js';
import { SessionsService } from './sessions.service.js';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([DeviceEntity])],
  providers: [SessionsService, { provide: APP_GUARD, useClass: AccessTokenGuard }],
  exports: [SessionsService],
})
export class AuthModule {}
