import type { PresenceInput, PresenceInputs, PresencePolicy, PresenceSettings } from './presence-model.js';
import { reportedState } from './presence-rules.js';

/**
 * Which inputs spend the per-user presence rate limit (RATE_LIMIT_PRESENCE_PER_SECOND and
 * RATE_LIMIT_PRESENCE_BURST): presence updates, and only those.
 *
 * - The user's own choices always spend: manual presence (PUT /presence/{userId}/status, as
 *   Synapse limits it; the GraphQL mutation), clearing it, appear-offline and the status text.
 *   Each is published at once, whatever the publication pacing.
 * - A device's state, from a /sync's `set_presence` (absent means online) or an explicit report
 *   (the MSC3032 activity endpoint, GraphQL), spends only when it changes what that device
 *   reports: a device coming online or back after its sync timeout, going idle, busy or away.
 *   The same state again (every ordinary sync; a busy device's online syncs, which busy holds
 *   through; a repeated report, which only renews it) is a sign of life and spends nothing.
 *   What it may still change for others (a sync counted as activity) is published no more often
 *   than PRESENCE_MIN_PUBLISH_INTERVAL_MS allows.
 * - The end of a sync, activity (sending an event) and logging in are not presence requests: never.
 *
 * Pure: the caller passes the user's inputs and the policy that would apply the input.
 */
export function spendsPresenceRateLimit(
  policy: PresencePolicy,
  inputs: PresenceInputs,
  input: PresenceInput,
  now: number,
  settings: PresenceSettings,
): boolean {
  switch (input.kind) {
    case 'manual':
    case 'clear-manual':
    case 'appear-offline':
    case 'status':
      return true;
    case 'sync':
    case 'device-report': {
      const device = (from: PresenceInputs) => from.devices.find((one) => one.deviceId === input.deviceId);
      const before = reportedState(device(inputs), now, settings);
      // The usual sync says what the device already reports: answered without a trial run.
      if (before === input.state) return false;
      return before !== reportedState(device(policy.apply(inputs, input, now, settings)), now, settings);
    }
    case 'sync-end':
    case 'activity':
    case 'login':
      return false;
  }
}
