import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { DatabaseWriter } from './database-writer.service.js';
import { dataSourceOptions, openDataSource } from './data-source.js';
import { SqlStatements } from './sql-statements.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config),
        // A local file, or a server that refused or did not answer within the connect timeout:
        // trying again does not help, and the default (ten tries, 3 s apart) only delays the
        // error by half a minute. A supervisor restarting the process retries if it should.
        toRetry: () => false,
      }),
      dataSourceFactory: (options) => openDataSource(options!),
    }),
  ],
  providers: [DatabaseWriter, SqlStatements],
  exports: [DatabaseWriter, SqlStatements],
})
export class DatabaseModule {}
