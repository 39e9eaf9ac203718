import type { PresenceInput, PresenceInputs, PresencePolicy, PresenceSettings } from './presence-model.js';
import { applyAutomatic, applyDeviceState, evaluateLayers } from './presence-rules.js';

/**
 * Synapse's behaviour, for comparison: no manual layer; a PUT sets only the calling device's
 * slot (so `offline` from one device leaves the others counting), devices combine with
 * busy > online > unavailable, and by default every sync counts as activity.
 *
 * Of PRODUCT.md 11.2 and 11.14 it takes only what Synapse does: a busy device stays live without
 * syncing until the busy timeout (Synapse's BUSY_ONLINE_TIMEOUT, in the shared liveness rule);
 * logging in and registering change nothing (Synapse sets last_active_ts only from syncs,
 * presence updates and activity), so a user who never synced still has no last_active_ago.
 */
export const legacyPolicy: PresencePolicy = {
  name: 'legacy',

  apply(inputs: PresenceInputs, input: PresenceInput, now: number, settings: PresenceSettings): PresenceInputs {
    if (input.kind === 'manual') {
      // A PUT is one more report from the calling device.
      return applyDeviceState(inputs, input.deviceId, input.state, now, settings, { fromSync: false });
    }
    // Synapse has no manual layer and no appear-offline, and ignores logins: those inputs change nothing.
    return applyAutomatic(inputs, input, now, settings) ?? inputs;
  },

  evaluate: evaluateLayers,
};
