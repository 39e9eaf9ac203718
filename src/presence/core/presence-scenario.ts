import { EMPTY_INPUTS, type PresenceInput, type PresenceInputs, type PresencePolicy, type PresenceSettings } from './presence-model.js';

/** Synapse's default timers, which are also this server's. */
export const DEFAULT_SETTINGS: PresenceSettings = {
  idleTimeoutMs: 300_000,
  syncOnlineTimeoutMs: 30_000,
  busyTimeoutMs: 3_600_000,
  lastActiveGranularityMs: 60_000,
  syncIsActivity: false,
};

/**
 * Drives a policy with a fake clock: feed inputs, move time, read the evaluation. Used by the
 * unit tests and by anyone exploring a policy by hand.
 */
export class PresenceScenario {
  inputs: PresenceInputs = EMPTY_INPUTS;
  now = 1_700_000_000_000;

  constructor(
    readonly policy: PresencePolicy,
    readonly settings: PresenceSettings = DEFAULT_SETTINGS,
  ) {}

  apply(...inputs: PresenceInput[]): this {
    for (const input of inputs) this.inputs = this.policy.apply(this.inputs, input, this.now, this.settings);
    return this;
  }

  advance(ms: number): this {
    this.now += ms;
    return this;
  }

  /**
   * Keeps a device long-polling /sync for `duration`, as a client's sync loop does: each poll is
   * in flight for `interval`, the next starts as it ends.
   */
  syncFor(deviceId: string, state: 'online' | 'unavailable', duration: number, interval = 20_000): this {
    const end = this.now + duration;
    while (this.now < end) {
      this.apply({ kind: 'sync', deviceId, state });
      this.advance(Math.min(interval, end - this.now)).apply({ kind: 'sync-end', deviceId });
    }
    return this;
  }

  get evaluation() {
    return this.policy.evaluate(this.inputs, this.now, this.settings);
  }

  get others() {
    return this.evaluation.forOthers;
  }

  get self() {
    return this.evaluation.forSelf;
  }
}
