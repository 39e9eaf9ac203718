import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config.js';
import { MscIdentifiers } from '../common/msc-identifiers.js';

/** Makes the one validated AppConfig (and what derives from it) injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: MscIdentifiers, useValue: new MscIdentifiers(config.MSC_IDENTIFIERS) },
      ],
      exports: [AppConfig, MscIdentifiers],
    };
  }
}
