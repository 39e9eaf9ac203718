import { DynamicModule, Module } from '@nestjs/common';
import { AccountDataModule } from './account-data/account-data.module.js';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ClusterModule } from './cluster/cluster.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { GraphqlApiModule } from './graphql/graphql-api.module.js';
import { LegacyModule } from './legacy/legacy.module.js';
import { OperationsModule } from './operations/operations.module.js';
import { PeekingModule } from './peeking/peeking.module.js';
import { PresenceModule } from './presence/presence.module.js';
import { ProfilesModule } from './profiles/profiles.module.js';
import { RoomsModule } from './rooms/rooms.module.js';
import { ServerInfoModule } from './server-info/server-info.module.js';
import { SyncModule } from './sync/sync.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        ClusterModule,
        EventsModule,
        AuthModule,
        LegacyModule,
        AccountsModule,
        ProfilesModule,
        RoomsModule,
        PresenceModule,
        PeekingModule,
        AccountDataModule,
        SyncModule,
        ServerInfoModule,
        GraphqlApiModule,
        OperationsModule,
      ],
    };
  }
}
