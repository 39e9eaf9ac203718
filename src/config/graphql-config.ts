import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { toInt } from './config-transforms.js';
import { LegacyConfig } from './legacy-config.js';

/** GraphQL over HTTP and WebSocket: the IDE and the bounds on queries and connections. */
export class GraphqlConfig extends LegacyConfig {
  /** /graphiql leads to the dashboard's GraphQL query box; unset means on outside production. */
  @IsOptional()
  @IsIn(['true', 'false'])
  GRAPHQL_IDE?: 'true' | 'false';

  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(100)
  GRAPHQL_MAX_DEPTH = 10;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  GRAPHQL_MAX_COMPLEXITY = 2000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  GRAPHQL_MAX_SUBSCRIPTIONS_PER_CONNECTION = 100;

  /** How long a new WebSocket may take to send connection_init before it is closed (4408). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  GRAPHQL_WS_INIT_TIMEOUT_MS = 3000;

  /** WebSocket ping period; a connection that has not answered the previous ping is dropped. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  GRAPHQL_WS_KEEPALIVE_MS = 12_000;

  /** Largest WebSocket message on /graphql; a bigger one closes that socket with 1009. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  GRAPHQL_WS_MAX_PAYLOAD_BYTES = 64 * 1024;

  get graphqlIde(): boolean {
    return this.GRAPHQL_IDE === undefined ? this.NODE_ENV !== 'production' : this.GRAPHQL_IDE === 'true';
  }
}
