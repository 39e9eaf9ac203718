import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { MSC_IDENTIFIER_PAIRS } from '../common/msc-identifiers.js';
import { AppConfig } from '../config/app-config.js';
import { HistoryPurger, type PurgeScope } from '../events/history-purger.js';
import { PresenceOwnership } from './presence-ownership.js';
import { PresenceService } from './presence.service.js';

const { presence, status, profileRoomType } = MSC_IDENTIFIER_PAIRS;
/** Both forms of each, whichever the server writes or once wrote. */
const PURGED_TYPES = [presence.stable, presence.unstable, status.stable, status.unstable];
const PROFILE_ROOM_TYPES = [profileRoomType.stable, profileRoomType.unstable];

/**
 * PRESENCE_HISTORY_RETENTION_MS: every PRESENCE_HISTORY_PURGE_INTERVAL_MS, superseded m.presence
 * and m.status events of profile rooms sent before the window are purged (HistoryPurger). In a
 * cluster the presence owner purges, as it is the one writing them (every process does when no
 * process owns presence; two purges of one room delete the same rows).
 */
@Injectable()
export class PresenceHistoryRetention implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceHistoryRetention.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly purger: HistoryPurger,
    private readonly ownership: PresenceOwnership,
    private readonly presence: PresenceService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.PRESENCE_HISTORY_RETENTION_MS === undefined) return;
    this.timer = setInterval(() => {
      // One purge at a time: a slow one delays the next rather than overlapping it.
      this.running = this.running.then(() => this.purgeOnce());
    }, this.config.PRESENCE_HISTORY_PURGE_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Purges every profile room once, when this process is the one to; never rejects. */
  private async purgeOnce(): Promise<void> {
    const retention = this.config.PRESENCE_HISTORY_RETENTION_MS;
    if (retention === undefined || this.closing) return;
    if (this.presence.enabled && !this.ownership.status().owner) return;
    const scope: PurgeScope = { roomTypes: PROFILE_ROOM_TYPES, eventTypes: PURGED_TYPES, cutoffTs: this.clock.now() - retention };
    try {
      let purged = 0;
      const rooms = await this.purger.roomsWithHistory(scope);
      for (const roomId of rooms) {
        if (this.closing) break;
        purged += await this.purger.purgeRoom(roomId, scope);
      }
      if (purged > 0) this.logger.log(`Purged ${purged} superseded presence and status events from ${rooms.length} profile rooms`);
    } catch (error) {
      this.logger.error('presence history purge failed', error instanceof Error ? error.stack : String(error));
    }
  }
}
