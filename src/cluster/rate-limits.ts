import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiter } from '../common/rate-limiter.js';
import { CLUSTER_LINK, type ClusterLink } from './cluster-link.js';
import { RedisLink } from './redis-link.js';

/** A token bucket per key: null when a token was taken, else the milliseconds until one is free. */
export interface RateLimit {
  /** In one process, answers at once (no other input slips in before the caller acts on it). */
  take(key: string, now: number): number | null | Promise<number | null>;
}

/**
 * The token bucket of RateLimiter, in Redis: the processes share each user's bucket. Redis's own
 * clock refills it, as the processes' clocks may disagree; an idle bucket expires once full.
 */
const TAKE_SCRIPT = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local retry = -1
if tokens < 1 then retry = math.ceil((1 - tokens) / rate) else tokens = tokens - 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return retry
`;

type RedisWithTake = Redis & { rateLimitTake(key: string, perMs: number, burst: number): Promise<number> };

class RedisRateLimit implements RateLimit {
  constructor(
    private readonly redis: RedisWithTake,
    private readonly prefix: string,
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  async take(key: string): Promise<number | null> {
    const retry = await this.redis.rateLimitTake(this.prefix + key, this.perSecond / 1000, this.burst);
    return retry < 0 ? null : retry;
  }
}

/** Rate limits per key: in this process alone, or shared through Redis in a cluster. */
@Injectable()
export class RateLimits {
  constructor(@Inject(CLUSTER_LINK) private readonly link: ClusterLink) {}

  create(name: string, perSecond: number, burst: number): RateLimit {
    if (!(this.link instanceof RedisLink)) return new RateLimiter(perSecond, burst);
    const redis = this.link.commands as RedisWithTake;
    if (!redis.rateLimitTake) redis.defineCommand('rateLimitTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    return new RedisRateLimit(redis, `${this.link.prefix}rate:${name}:`, perSecond, burst);
  }
}
