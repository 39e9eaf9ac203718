import { IsIn, IsOptional, Validate } from 'class-validator';
import { IsHttpDate } from './config-constraints.js';
import { PresenceConfig } from './presence-config.js';

export const LEGACY_MODES = ['enabled', 'deprecated', 'removed'] as const;
export type LegacyMode = (typeof LEGACY_MODES)[number];

/** The legacy presence surfaces' deprecation modes. */
export class LegacyConfig extends PresenceConfig {
  /** Each legacy presence surface: `enabled`, `deprecated` (works, with headers) or `removed`. */
  @IsIn(LEGACY_MODES)
  LEGACY_PRESENCE_GET: LegacyMode = 'enabled';

  @IsIn(LEGACY_MODES)
  LEGACY_PRESENCE_PUT: LegacyMode = 'enabled';

  @IsIn(LEGACY_MODES)
  LEGACY_SYNC_SET_PRESENCE: LegacyMode = 'enabled';

  @IsIn(LEGACY_MODES)
  LEGACY_SYNC_PRESENCE: LegacyMode = 'enabled';

  /** When the legacy surfaces go away (RFC 8594 `Sunset`), as an HTTP date. */
  @IsOptional()
  @Validate(IsHttpDate)
  LEGACY_SUNSET?: string;

  /** When they were deprecated (RFC 9745 `Deprecation`); unset means the server's first start. */
  @IsOptional()
  @Validate(IsHttpDate)
  LEGACY_DEPRECATION_DATE?: string;
}
