import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LegacyFlagsService } from './legacy-flags.service.js';
import { LegacySurfaceInterceptor } from './legacy-surface.interceptor.js';
import { LegacyUsageController } from './legacy-usage.controller.js';
import { LegacyUsageEntity } from './legacy-usage.entity.js';

/** Deprecation flags and usage counting for the legacy presence surfaces. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([LegacyUsageEntity])],
  controllers: [LegacyUsageController],
  providers: [LegacyFlagsService, { provide: APP_INTERCEPTOR, useClass: LegacySurfaceInterceptor }],
  exports: [LegacyFlagsService],
})
export class LegacyModule {}
