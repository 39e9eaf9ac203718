import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNumber, IsOptional, Max, Min, Validate } from 'class-validator';
import { PRESENCE_POLICIES, type PresencePolicyName } from '../presence/core/policies.js';
import { IsNotAbove } from './config-constraints.js';
import { toInt, toNumber } from './config-transforms.js';
import { DatabaseConfig } from './database-config.js';

/** The presence rules' timers, policy and publication pacing (README, "Presence"). */
export class PresenceConfig extends DatabaseConfig {
  /** `untracked`: client inputs are ignored, but presence is still served (as Synapse). */
  @IsIn(['true', 'false', 'untracked'])
  PRESENCE_ENABLED: 'true' | 'false' | 'untracked' = 'true';

  /** How inputs combine into the effective presence: see src/presence/core/policies.ts. */
  @IsIn(Object.keys(PRESENCE_POLICIES))
  PRESENCE_POLICY: PresencePolicyName = 'msc3032';

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PRESENCE_IDLE_TIMEOUT_MS = 300_000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PRESENCE_SYNC_ONLINE_TIMEOUT_MS = 30_000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PRESENCE_BUSY_TIMEOUT_MS = 3_600_000;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  PRESENCE_LAST_ACTIVE_GRANULARITY_MS = 60_000;

  /** Whether every /sync counts as activity; unset means false for msc3032, true for legacy. */
  @IsOptional()
  @IsIn(['true', 'false'])
  PRESENCE_SYNC_IS_ACTIVITY?: 'true' | 'false';

  /**
   * The longest any change others can see waits before it is written, whatever caused it
   * (PRODUCT.md 11.15); the pacing knobs below may not ask for longer.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  PRESENCE_MAX_LAG_MS = 60_000;

  /**
   * Automatic presence changes (idle, timeouts, currently_active, device reports) are written at
   * most this often per user; changes made by hand always at once. 0 writes every change.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Validate(IsNotAbove, ['PRESENCE_MAX_LAG_MS'])
  PRESENCE_MIN_PUBLISH_INTERVAL_MS = 0;

  /**
   * How long a change the clock makes (idle, currently_active lapsing, busy lapsing) must hold
   * before it is written; changes a request makes are written at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Validate(IsNotAbove, ['PRESENCE_MAX_LAG_MS'])
  PRESENCE_SETTLE_MS = 60_000;

  /**
   * How long going offline because every device timed out must hold before it is written: a
   * device back within it writes nothing. Going offline by request or by hand is written at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Validate(IsNotAbove, ['PRESENCE_MAX_LAG_MS'])
  PRESENCE_OFFLINE_GRACE_MS = 0;

  /**
   * Whether currently_active lapsing is written as an m.presence event. `false`: readers derive
   * it (currently active until last_active_ts + PRESENCE_LAST_ACTIVE_GRANULARITY_MS); the server
   * refreshes last_active_ts while the user stays active and tells /sync and GraphQL of the lapse.
   */
  @IsIn(['true', 'false'])
  PRESENCE_PUBLISH_ACTIVITY_LAPSES: 'true' | 'false' = 'true';

  /**
   * Whether currently_active coming back is written when it lapses again by itself within
   * PRESENCE_MAX_LAG_MS (activity, then none for the granularity). `false` folds such a blip away
   * (and, with lapses written, its lapse too).
   */
  @IsIn(['true', 'false'])
  PRESENCE_PUBLISH_ACTIVITY_BLIPS: 'true' | 'false' = 'false';

  /**
   * How often the presence timers are swept and device liveness written; what a client was told
   * was taken is written before the answer.
   */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  PRESENCE_TIMER_TICK_MS = 1000;

  /**
   * How long superseded m.presence and m.status events stay in profile rooms (MSC1763's retention
   * in spirit); older ones are purged, current state always kept. Unset keeps them for ever.
   */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  PRESENCE_HISTORY_RETENTION_MS?: number;

  /** How often the purge of superseded presence history runs, when a retention is set. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(86_400_000)
  PRESENCE_HISTORY_PURGE_INTERVAL_MS = 3_600_000;

  /** Presence updates per user per second (legacy PUT, activity reports), with a burst. */
  @Transform(toNumber)
  @IsNumber()
  @Min(0.001)
  RATE_LIMIT_PRESENCE_PER_SECOND = 1;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PRESENCE_BURST = 5;

  get presenceSyncIsActivity(): boolean {
    return this.PRESENCE_SYNC_IS_ACTIVITY === undefined
      ? this.PRESENCE_POLICY === 'legacy'
      : this.PRESENCE_SYNC_IS_ACTIVITY === 'true';
  }
}
