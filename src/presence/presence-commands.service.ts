import { Injectable } from '@nestjs/common';
import type { Requester } from '../auth/requester.js';
import { SessionsService } from '../auth/sessions.service.js';
import { MatrixError } from '../common/matrix-error.js';
import { MAX_STATUS_MSG_BYTES, type PresenceInput, type PresenceState } from './core/presence-model.js';
import { PresenceService } from './presence.service.js';

/**
 * What a user may do to their own presence, whichever API they come through (the legacy REST
 * endpoints, /sync's set_presence, the MSC3032 activity report, GraphQL mutations), as the
 * engine's inputs, which spend the user's presence rate limit where they are applied
 * (PresenceService; which inputs spend it: core/rate-limit-rule.ts).
 */
@Injectable()
export class PresenceCommands {
  constructor(
    private readonly presence: PresenceService,
    private readonly sessions: SessionsService,
  ) {}

  /** The manual layer (`online` clears it, `offline` appears offline); status unchanged when undefined. */
  async setManual(requester: Requester, state: PresenceState, statusMsg?: string | null): Promise<void> {
    const inputs: PresenceInput[] = [{ kind: 'manual', deviceId: requester.deviceId, state }];
    if (statusMsg !== undefined) inputs.push({ kind: 'status', statusMsg });
    await this.run(requester, inputs);
  }

  async clearManual(requester: Requester): Promise<void> {
    await this.run(requester, [{ kind: 'clear-manual' }]);
  }

  async setAppearOffline(requester: Requester, enabled: boolean): Promise<void> {
    await this.run(requester, [{ kind: 'appear-offline', enabled }]);
  }

  async setStatus(requester: Requester, statusMsg: string | null): Promise<void> {
    await this.run(requester, [{ kind: 'status', statusMsg }]);
  }

  /** The status text limit every API applies (1 KiB of UTF-8). */
  static checkStatusMsg(statusMsg: string | null | undefined): void {
    if (typeof statusMsg === 'string' && Buffer.byteLength(statusMsg) > MAX_STATUS_MSG_BYTES) {
      throw MatrixError.invalidParam(`status_msg must be at most ${MAX_STATUS_MSG_BYTES} bytes`);
    }
  }

  /** An explicit report for one of the user's own devices (the calling one by default). */
  async reportDevice(requester: Requester, state: PresenceState, deviceId = requester.deviceId): Promise<void> {
    if (deviceId !== requester.deviceId) {
      const devices = await this.sessions.listDevices(requester.userId);
      if (!devices.some((device) => device.deviceId === deviceId)) throw MatrixError.notFound(`You have no device ${deviceId}`);
    }
    await this.run(requester, [{ kind: 'device-report', deviceId, state }]);
  }

  /**
   * A /sync's set_presence as it starts. One that repeats the device's state is free; one that
   * changes it is dropped silently over the rate limit, as the sync itself goes on. A sync that
   * cannot wait (`mayWait` false) ends in the same step, which is the same state at less cost.
   * Returns whether `syncEnded` must follow.
   */
  async syncStarted(requester: Requester, state: 'online' | 'unavailable', mayWait: boolean): Promise<boolean> {
    if (!this.presence.tracking) return false;
    const inputs: PresenceInput[] = [{ kind: 'sync', deviceId: requester.deviceId, state }];
    if (!mayWait) inputs.push({ kind: 'sync-end', deviceId: requester.deviceId });
    const retryAfterMs = await this.presence.apply(requester.userId, inputs, true);
    return retryAfterMs === null && mayWait;
  }

  /** The /sync has returned: the device's sync timeout counts from now. */
  async syncEnded(requester: Requester): Promise<void> {
    await this.presence.apply(requester.userId, [{ kind: 'sync-end', deviceId: requester.deviceId }]);
  }

  private async run(requester: Requester, inputs: PresenceInput[]): Promise<void> {
    for (const input of inputs) if (input.kind === 'status') PresenceCommands.checkStatusMsg(input.statusMsg);
    const retryAfterMs = await this.presence.apply(requester.userId, inputs, true);
    if (retryAfterMs !== null) throw MatrixError.limitExceeded(retryAfterMs);
  }
}
