import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsNumber, IsString, Matches, Max, Min, Validate } from 'class-validator';
import { IsNotAbove } from './config-constraints.js';
import { toInt, toNumber, toList } from './config-transforms.js';

/** How the server writes the identifiers the MSCs have not stabilised yet. */
export type MscIdentifierMode = 'stable' | 'unstable';
export type ProfileVisibility = 'public' | 'restricted';
export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

/** The HTTP server, identifiers, accounts, rooms and the limits on what a request may carry. */
export class ServerConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8008;

  @IsString()
  @IsNotEmpty()
  HOST = '127.0.0.1';

  /** The part after the colon in user and room IDs. A hostname with an optional port. */
  @Matches(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, {
    message: 'SERVER_NAME must be a hostname or IP literal with an optional port',
  })
  SERVER_NAME = 'localhost';

  /**
   * How long a client may take to send a request's headers, and the whole request (headers and
   * body), before it is answered 408 and disconnected. They bound receiving the request only:
   * a long-poll's wait for its answer is not counted, whatever its `timeout`.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Validate(IsNotAbove, ['HTTP_REQUEST_TIMEOUT_MS'])
  HTTP_HEADERS_TIMEOUT_MS = 30_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  HTTP_REQUEST_TIMEOUT_MS = 60_000;

  /**
   * How long a keep-alive connection may sit idle between requests before it is closed; longer
   * than the 60 s a load balancer commonly keeps an idle connection, so that the proxy closes
   * first and never sends a request on a connection the server is just closing.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  HTTP_KEEP_ALIVE_TIMEOUT_MS = 72_000;

  @IsIn(['open', 'closed'])
  REGISTRATION: 'open' | 'closed' = 'open';

  @IsIn(['stable', 'unstable'])
  MSC_IDENTIFIERS: MscIdentifierMode = 'stable';

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: LogLevel = 'log';

  /** Privacy of a new profile room; restricted keeps presence among people who share a room. */
  @IsIn(['public', 'restricted'])
  PROFILE_DEFAULT_VISIBILITY: ProfileVisibility = 'restricted';

  /** Cost of the scrypt password hash as log2(N); 15 takes about 50 ms on one core. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(20)
  PASSWORD_HASH_COST = 15;

  @Transform(toList)
  @IsString({ each: true })
  @Matches(/^@[^:]+:.+$/, { each: true, message: 'ADMIN_USERS must list user IDs' })
  ADMIN_USERS: string[] = [];

  /** How long an MSC2753 peek lasts unless renewed. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PEEK_EXPIRY_MS = 3_600_000;

  @Transform(toNumber)
  @IsNumber()
  @Min(0.001)
  RATE_LIMIT_PEEK_PER_SECOND = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PEEK_BURST = 10;

  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** How deep objects and arrays may nest in a request body (or an inline filter) before it is refused. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(1000)
  JSON_MAX_DEPTH = 64;

  /** The largest a sync filter may be, as JSON (stored or inline). */
  @Transform(toInt)
  @IsInt()
  @Min(256)
  FILTER_MAX_BYTES = 65_536;

  /** The most items a list in a filter (rooms, senders, types, event_fields, ...) may hold. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  FILTER_MAX_LIST_LENGTH = 1000;
}
