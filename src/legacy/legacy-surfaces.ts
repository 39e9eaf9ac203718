import type { AppConfig, LegacyMode } from '../config/app-config.js';

/** The legacy presence surfaces, each behind its own deprecation flag (PRODUCT.md section 8). */
export const LEGACY_SURFACES = {
  presence_get: { flag: 'LEGACY_PRESENCE_GET', successor: (userId?: string) => `/_matrix/client/unstable/org.matrix.msc1769/profile_room/${encodeURIComponent(userId ?? '')}` },
  presence_put: { flag: 'LEGACY_PRESENCE_PUT', successor: () => '/graphql' },
  sync_set_presence: { flag: 'LEGACY_SYNC_SET_PRESENCE', successor: () => '/_matrix/client/unstable/org.matrix.msc3032/presence/activity' },
  sync_presence: { flag: 'LEGACY_SYNC_PRESENCE', successor: () => '/graphql' },
} satisfies Record<string, { flag: keyof AppConfig; successor: (userId?: string) => string }>;

export type LegacySurface = keyof typeof LEGACY_SURFACES;

export function surfaceMode(config: AppConfig, surface: LegacySurface): LegacyMode {
  return config[LEGACY_SURFACES[surface].flag];
}

/**
 * The headers of a deprecated surface's responses: `Deprecation` (RFC 9745, `@<unix-seconds>`),
 * `Sunset` (RFC 8594, when configured) and a `successor-version` link to what replaces it.
 */
export function deprecationHeaders(deprecatedAt: Date, sunset: Date | null, successor: string): Record<string, string> {
  const headers: Record<string, string> = {
    Deprecation: `@${Math.floor(deprecatedAt.getTime() / 1000)}`,
    Link: `<${successor}>; rel="successor-version"`,
  };
  if (sunset) headers.Sunset = sunset.toUTCString();
  return headers;
}
