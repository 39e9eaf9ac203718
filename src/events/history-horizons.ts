import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLUSTER_LINK, splitPositionMessage, type ClusterLink } from '../cluster/cluster-link.js';
import { SqlStatements } from '../database/sql-statements.js';

/**
 * How far each room's history was purged (room_history_horizons), held in memory whole: events
 * at or below a room's horizon may be gone, so a reader resuming below it gets a clear answer
 * rather than a silent gap. A purge raises the horizon here, and tells the other processes,
 * before it deletes anything: a reader that checks after reading then never misses a deletion.
 */
@Injectable()
export class HistoryHorizons implements OnModuleInit, OnModuleDestroy {
  private readonly horizons = new Map<string, number>();
  private stopListening?: () => void;

  constructor(
    private readonly sql: SqlStatements,
    @Inject(CLUSTER_LINK) private readonly link: ClusterLink,
  ) {}

  async onModuleInit(): Promise<void> {
    const stops = [
      this.link.on('history-purged', (message) => {
        const [horizon, roomId] = splitPositionMessage(message);
        this.raise(roomId, horizon);
      }),
      // Purges told while the link was down may be missed: the stored horizons are read again.
      this.link.onReconnect(() => void this.load().catch(() => undefined)),
    ];
    this.stopListening = () => stops.forEach((stop) => stop());
    await this.load();
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  private async load(): Promise<void> {
    const rows = await this.sql.all<{ room_id: string; purged_up_to: number | string }>('SELECT room_id, purged_up_to FROM room_history_horizons');
    for (const row of rows) this.raise(row.room_id, Number(row.purged_up_to));
  }

  /** The room's horizon: events at or below it may have been purged; 0 when none were. */
  of(roomId: string): number {
    return this.horizons.get(roomId) ?? 0;
  }

  /**
   * Raises the room's horizon here and in the other processes, before its events are deleted;
   * false when the others could not be told (nothing may be deleted then).
   */
  async announce(roomId: string, horizon: number): Promise<boolean> {
    this.raise(roomId, horizon);
    return this.link.publish('history-purged', `${horizon} ${roomId}`);
  }

  /**
   * Reads the room from a position: `read(from)` must need nothing at or below `from`. It starts
   * at `after`, or at the horizon when `after` is below it, and reads again from the new horizon
   * when a purge overtook the read. `from` above `after` tells the caller history was skipped.
   */
  async readFrom<T>(roomId: string, after: number, read: (from: number) => Promise<T>): Promise<{ value: T; from: number }> {
    let from = Math.max(after, this.of(roomId));
    for (;;) {
      const value = await read(from);
      const horizon = this.of(roomId);
      if (horizon <= from) return { value, from };
      from = horizon;
    }
  }

  private raise(roomId: string, horizon: number): void {
    if (horizon > this.of(roomId)) this.horizons.set(roomId, horizon);
  }
}
