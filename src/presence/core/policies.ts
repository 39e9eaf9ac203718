import { legacyPolicy } from './legacy.policy.js';
import type { PresencePolicy } from './presence-model.js';
import { msc3032Policy } from './msc3032.policy.js';

/**
 * The policies PRESENCE_POLICY can name. A new policy is one file implementing PresencePolicy
 * (usually composing the shared rules in presence-rules.ts) plus one line here.
 */
export const PRESENCE_POLICIES = {
  msc3032: msc3032Policy,
  legacy: legacyPolicy,
} satisfies Record<string, PresencePolicy>;

export type PresencePolicyName = keyof typeof PRESENCE_POLICIES;
