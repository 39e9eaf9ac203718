import type { PresenceInput, PresenceInputs, PresencePolicy, PresenceSettings } from './presence-model.js';
import { applyAutomatic, applyLogin, evaluateLayers, markActive, touchDevice, withDevice } from './presence-rules.js';

/**
 * MSC3032 (PRODUCT.md section 5): a manual layer the user sets by hand, above automatic
 * per-device inputs. A plain sync is not activity unless the settings say so; registering and
 * logging in are (11.2), without making the new device live. A manual
 * busy or unavailable needs a live device (11.13); a device that reported busy stays live
 * without syncing until its report lapses (11.14).
 */
export const msc3032Policy: PresencePolicy = {
  name: 'msc3032',

  apply(inputs: PresenceInputs, input: PresenceInput, now: number, settings: PresenceSettings): PresenceInputs {
    const automatic = applyAutomatic(inputs, input, now, settings);
    if (automatic) return automatic;
    switch (input.kind) {
      case 'clear-manual':
        return { ...inputs, manual: null, appearOffline: null };
      case 'appear-offline':
        return {
          ...inputs,
          appearOffline: input.enabled ? (inputs.appearOffline ?? { since: now, lastActiveTs: inputs.lastActiveTs }) : null,
        };
      case 'manual':
        return applyManual(inputs, input, now, settings);
      case 'login':
        return applyLogin(inputs, now);
      default:
        return inputs;
    }
  },

  evaluate: evaluateLayers,
};

/**
 * The user's own choice. The request is also a sign of life from the calling device
 * (PRODUCT.md 11.1); choosing `online` clears the manual layer, marks the device online and is
 * activity; `busy`/`unavailable` hold until cleared; `offline` is appear-offline.
 */
function applyManual(
  inputs: PresenceInputs,
  input: Extract<PresenceInput, { kind: 'manual' }>,
  now: number,
  settings: PresenceSettings,
): PresenceInputs {
  let device = touchDevice(inputs, input.deviceId, now, settings);
  let next = inputs;
  switch (input.state) {
    case 'online':
      device = { ...device, state: 'online', stateSinceTs: now };
      ({ inputs: next, device } = markActive(next, device, now));
      return { ...withDevice(next, device, now, settings), manual: null, appearOffline: null };
    case 'busy':
    case 'unavailable':
      return { ...withDevice(next, device, now, settings), manual: input.state, appearOffline: null };
    case 'offline':
      next = withDevice(next, device, now, settings);
      return { ...next, appearOffline: next.appearOffline ?? { since: now, lastActiveTs: next.lastActiveTs } };
  }
}
