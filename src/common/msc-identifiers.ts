import type { MscIdentifierMode } from '../config/app-config.js';

interface IdentifierPair {
  stable: string;
  unstable: string;
}

/** The identifiers of PRODUCT.md section 1: each has a stable and an unstable form. */
export const MSC_IDENTIFIER_PAIRS = {
  profileRoomType: { stable: 'm.profile', unstable: 'org.matrix.msc1769.profile' },
  profileField: { stable: 'm.profile', unstable: 'org.matrix.msc4201.profile' },
  profilePrivacy: { stable: 'm.profile.privacy', unstable: 'org.matrix.msc4201.profile.privacy' },
  status: { stable: 'm.status', unstable: 'org.matrix.msc3032.status' },
  presence: { stable: 'm.presence', unstable: 'org.matrix.msc3032.presence' },
  busy: { stable: 'busy', unstable: 'org.matrix.msc3026.busy' },
} satisfies Record<string, IdentifierPair>;

export type MscIdentifierName = keyof typeof MSC_IDENTIFIER_PAIRS;

/**
 * Writers use the form the config selects; readers accept both (`matches`), so a server can
 * switch modes without losing what it wrote before.
 */
export class MscIdentifiers {
  constructor(readonly mode: MscIdentifierMode) {}

  /** The identifier this server writes. */
  write(name: MscIdentifierName): string {
    return MSC_IDENTIFIER_PAIRS[name][this.mode];
  }

  /** Both accepted forms, the written one first. */
  both(name: MscIdentifierName): [string, string] {
    const pair = MSC_IDENTIFIER_PAIRS[name];
    return this.mode === 'stable' ? [pair.stable, pair.unstable] : [pair.unstable, pair.stable];
  }

  matches(name: MscIdentifierName, value: unknown): boolean {
    const pair = MSC_IDENTIFIER_PAIRS[name];
    return value === pair.stable || value === pair.unstable;
  }
}
