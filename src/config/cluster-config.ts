import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min, Validate, ValidateIf, type ValidationArguments, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { toInt } from './config-transforms.js';
import { OperationsConfig } from './operations-config.js';

@ValidatorConstraint({ name: 'isRedisUrl' })
class IsRedisUrl implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string' || !URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  }

  defaultMessage(): string {
    return 'must be a Redis URL, redis://[user:password@]host[:port][/db]';
  }
}

@ValidatorConstraint({ name: 'needsPostgres' })
class NeedsPostgres implements ValidatorConstraintInterface {
  validate(_value: unknown, args: ValidationArguments): boolean {
    return typeof (args.object as Record<string, unknown>).DATABASE_URL === 'string';
  }

  defaultMessage(): string {
    return 'needs DATABASE_URL (a PostgreSQL database the processes share): SQLite serves one process only';
  }
}

@ValidatorConstraint({ name: 'needsRedis' })
class NeedsRedis implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    return value === 1 || typeof (args.object as Record<string, unknown>).REDIS_URL === 'string';
  }

  defaultMessage(): string {
    return 'more than 1 needs REDIS_URL (and DATABASE_URL): processes tell each other what they committed';
  }
}

/** Several processes on one PostgreSQL database: what crosses them goes through Redis. */
export class ClusterConfig extends OperationsConfig {
  /** `redis://host[:port][/db]`; turns on the cluster mode (with DATABASE_URL). Unset: one process. */
  @IsOptional()
  @Validate(IsRedisUrl)
  @Validate(NeedsPostgres)
  REDIS_URL?: string;

  /** Prefix of every Redis key and channel, so that deployments can share one Redis. */
  @ValidateIf((config: ClusterConfig) => config.REDIS_URL !== undefined)
  @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, { message: 'must be 1-64 letters, digits or : _ . -' })
  REDIS_KEY_PREFIX = 'presence-rooms:';

  /**
   * In a cluster, how long the presence owner's lease outlives it: a process that stops answering
   * loses presence ownership (and its syncs stop counting as live) within this time.
   */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(10_000)
  PRESENCE_OWNER_LEASE_MS = 5_000;

  /**
   * In a cluster, the address the other processes reach this one at when it owns presence (they
   * forward presence inputs to it over TCP); it listens there. On one machine the default does;
   * across machines, this machine's address on their network.
   */
  @ValidateIf((config: ClusterConfig) => config.REDIS_URL !== undefined)
  @Matches(/^[A-Za-z0-9.:_-]{1,253}$/, { message: 'must be a host name or an IP address' })
  CLUSTER_HOST = '127.0.0.1';

  /** The port of CLUSTER_HOST; 0 takes any free one (Redis tells the others which). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65_535)
  CLUSTER_PORT = 0;

  /** Processes `npm start` runs on the one port (node:cluster); 1 runs the server in the main process. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  @Validate(NeedsRedis)
  WORKERS = 1;
}
