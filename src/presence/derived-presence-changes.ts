import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { CLUSTER_LINK, splitPositionMessage, type ClusterLink } from '../cluster/cluster-link.js';
import { Clock } from '../common/clock.js';
import { DomainEventBus } from '../common/event-bus.js';

/**
 * The presence stream: where each user's view for others last changed with no event written (a
 * derived `currently_active` lapse), the fourth part of /sync tokens. Positions are times in ms,
 * moved on by at least one per change, so they keep increasing across restarts and a token from
 * before one stays meaningful.
 *
 * Only the presence owner's timers find these changes. In a cluster the owner tells the others
 * (one `presence-derived` message per batch), and each notes the change at the owner's position
 * and announces it on its own bus: its /sync long-polls wake, and a token taken on any process
 * means the same on every other.
 */
@Injectable()
export class DerivedPresenceChanges implements OnModuleInit, OnModuleDestroy {
  private position = 0;
  private readonly changedAt = new Map<string, number>();
  private stopListening?: () => void;

  constructor(
    private readonly clock: Clock,
    private readonly bus: DomainEventBus,
    @Inject(CLUSTER_LINK) private readonly link: ClusterLink,
  ) {}

  onModuleInit(): void {
    this.position = this.clock.now();
    if (this.link.clustered) this.stopListening = this.link.on('presence-derived', (message) => this.learn(message));
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  /** The owner's engine found these changes: each gets the next position, is announced here and told to the other processes. */
  note(userIds: readonly string[]): void {
    if (userIds.length === 0) return;
    const lines: string[] = [];
    for (const userId of userIds) {
      this.position = Math.max(this.position + 1, this.clock.now());
      this.changedAt.set(userId, this.position);
      lines.push(`${this.position} ${userId}`);
      this.bus.emit('presence.derived-change', { userId, position: this.position });
    }
    void this.link.publish('presence-derived', lines.join('\n'));
  }

  /** Changes the owner noted, at its positions. */
  private learn(message: string): void {
    for (const line of message.split('\n')) {
      const [position, userId] = splitPositionMessage(line);
      if (!Number.isSafeInteger(position) || !userId) continue;
      this.position = Math.max(this.position, position);
      this.changedAt.set(userId, Math.max(this.changedAt.get(userId) ?? 0, position));
      this.bus.emit('presence.derived-change', { userId, position, learned: true });
    }
  }

  /** Where the presence stream stands (see `changesBetween`). */
  currentPosition(): number {
    return this.position;
  }

  /** Users among `userIds` whose view for others changed with no event within the window (since, upTo] of the presence stream. */
  changesBetween(userIds: Iterable<string>, since: number, upTo: number): Set<string> {
    const changed = new Set<string>();
    for (const userId of userIds) {
      const at = this.changedAt.get(userId);
      if (at !== undefined && at > since && at <= upTo) changed.add(userId);
    }
    return changed;
  }
}
