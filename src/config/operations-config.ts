import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { toInt } from './config-transforms.js';
import { GraphqlConfig } from './graphql-config.js';

export type LogFormat = 'pretty' | 'json';

/** What operators watch and steer: the log format, the metrics endpoint and stopping. */
export class OperationsConfig extends GraphqlConfig {
  /** `json`: one JSON object per line; `pretty`: readable lines. Unset means pretty in development. */
  @IsOptional()
  @IsIn(['pretty', 'json'])
  LOG_FORMAT?: LogFormat;

  /** When set, GET /metrics asks for `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @IsString()
  @MinLength(16)
  METRICS_TOKEN?: string;

  /**
   * How long a shutdown (SIGTERM, SIGINT) may take to answer the requests under way and write
   * what is pending; past it, remaining connections are destroyed and the process exits.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  get logFormat(): LogFormat {
    return this.LOG_FORMAT ?? (this.NODE_ENV === 'development' ? 'pretty' : 'json');
  }
}
