import type { PresenceInput, PresenceInputs, PresencePolicy, PresenceSettings } from './presence-model.js';
import { applyAutomatic, applyDeviceState, evaluateLayers } from './presence-rules.js';

/**
 * Synapse's behaviour, for comparison: no manual layer; a PUT sets only the calling device's
 * slot (so `offline` from one device leaves the others counting), devices combine with
 * busy > online > unavailable, and by default every sync counts as activity.
 */
export const legacyPolicy: PresencePolicy = {
  name: 'legacy',

  apply(inputs: PresenceInputs, input: PresenceInput, now: number, settings: PresenceSettings): PresenceInputs {
    if (input.kind === 'manual') {
      // A PUT is one more report from the calling device.
      return applyDeviceState(inputs, input.deviceId, input.state, now, settings, { fromSync: false });
    }
    // Synapse has no manual layer and no appear-offline: those inputs change nothing.
    return applyAutomatic(inputs, input, now, settings) ?? inputs;
  },

  evaluate: evaluateLayers,
};
