import type { PresenceInput, PresenceInputs, PresencePolicy, PresenceSettings } from './presence-model.js';
import { applyActivity, applyDeviceState, applyStatus, evaluateLayers } from './presence-rules.js';

/**
 * Synapse's behaviour, for comparison: no manual layer; a PUT sets only the calling device's
 * slot (so `offline` from one device leaves the others counting), devices combine with
 * busy > online > unavailable, and by default every sync counts as activity.
 */
export const legacyPolicy: PresencePolicy = {
  name: 'legacy',

  apply(inputs: PresenceInputs, input: PresenceInput, now: number, settings: PresenceSettings): PresenceInputs {
    switch (input.kind) {
      case 'sync':
        return applyDeviceState(inputs, input.deviceId, input.state, now, settings, { fromSync: true });
      case 'manual':
      case 'device-report':
        return applyDeviceState(inputs, input.deviceId, input.state, now, settings, { fromSync: false });
      case 'activity':
        return applyActivity(inputs, input.deviceId, now, settings);
      case 'status':
        return applyStatus(inputs, input.statusMsg);
      case 'clear-manual':
      case 'appear-offline':
        // Synapse has no manual layer and no appear-offline: these inputs change nothing.
        return inputs;
    }
  },

  evaluate: evaluateLayers,
};
