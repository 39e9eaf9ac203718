import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { DatabaseWriter } from './database-writer.service.js';
import { dataSourceOptions } from './data-source.js';
import { SqlStatements } from './sql-statements.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => dataSourceOptions(config),
    }),
  ],
  providers: [DatabaseWriter, SqlStatements],
  exports: [DatabaseWriter, SqlStatements],
})
export class DatabaseModule {}
