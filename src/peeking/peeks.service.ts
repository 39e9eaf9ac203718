import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { RoomAccessService } from '../access/room-access.service.js';
import type { Requester } from '../auth/requester.js';
import { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import { RateLimiter } from '../common/rate-limiter.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { EventStore } from '../events/event-store.service.js';
import { StreamNotifier } from '../events/stream-notifier.service.js';
import { RoomPeekEntity } from './room-peek.entity.js';

/**
 * MSC2753 peeks: following a room without joining it. A peek lasts PEEK_EXPIRY_MS unless renewed
 * by peeking again; it ends on unpeek, on expiry, or when the peeker loses access. Starting and
 * ending each take a position in the peek stream so /sync reports each once.
 */
@Injectable()
export class PeeksService implements OnModuleInit {
  private position = 0;
  private readonly limiter: RateLimiter;
  /** Users with live peeks, and each user's newest peek-stream position: most syncs then skip the queries. */
  private readonly peekers = new Set<string>();
  private readonly newest = new Map<string, number>();

  constructor(
    @InjectRepository(RoomPeekEntity) private readonly peeks: Repository<RoomPeekEntity>,
    private readonly writer: DatabaseWriter,
    private readonly store: EventStore,
    private readonly access: RoomAccessService,
    private readonly notifier: StreamNotifier,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {
    this.limiter = new RateLimiter(config.RATE_LIMIT_PEEK_PER_SECOND, config.RATE_LIMIT_PEEK_BURST);
  }

  async onModuleInit(): Promise<void> {
    const row = await this.peeks
      .createQueryBuilder('p')
      .select('MAX(p.started_id)', 'started')
      .addSelect('MAX(p.ended_id)', 'ended')
      .getRawOne<{ started: number | null; ended: number | null }>();
    this.position = Math.max(Number(row?.started ?? 0), Number(row?.ended ?? 0));
    for (const peek of await this.peeks.find()) {
      if (peek.endedId === null) this.peekers.add(peek.userId);
      this.newest.set(peek.userId, Math.max(this.newest.get(peek.userId) ?? 0, peek.startedId, peek.endedId ?? 0));
    }
  }

  currentPosition(): number {
    return this.position;
  }

  async peek(requester: Requester, roomId: string): Promise<{ room_id: string; peek_expiry_ts: number }> {
    const retryAfterMs = this.limiter.take(requester.userId, this.clock.now());
    if (retryAfterMs !== null) throw MatrixError.limitExceeded(retryAfterMs);
    if ((await this.store.membership(roomId, requester.userId)) === 'join') {
      throw new MatrixError(400, 'M_BAD_STATE', 'You are already in this room; there is nothing to peek');
    }
    await this.access.assertMayRead(requester.userId, roomId);
    const expiresTs = this.clock.now() + this.config.PEEK_EXPIRY_MS;
    await this.writer.transaction(async (manager) => {
      const existing = await manager.findOneBy(RoomPeekEntity, { userId: requester.userId, roomId });
      if (existing && existing.endedId === null) {
        await manager.update(RoomPeekEntity, { userId: requester.userId, roomId }, { expiresTs });
        return;
      }
      await manager.upsert(RoomPeekEntity, { userId: requester.userId, roomId, startedId: ++this.position, endedId: null, expiresTs }, ['userId', 'roomId']);
      this.newest.set(requester.userId, this.position);
    });
    this.peekers.add(requester.userId);
    this.notifier.wake([requester.userId]);
    return { room_id: roomId, peek_expiry_ts: expiresTs };
  }

  async unpeek(requester: Requester, roomId: string): Promise<void> {
    const peek = await this.peeks.findOneBy({ userId: requester.userId, roomId, endedId: IsNull() });
    if (!peek) throw MatrixError.notFound(`You are not peeking into ${roomId}`);
    await this.end([peek]);
  }

  /**
   * The user's live peeks after ending the ones that expired or whose access was revoked; called
   * before each /sync so an ended peek shows under rooms.leave in that very response.
   */
  async refresh(userId: string): Promise<RoomPeekEntity[]> {
    if (!this.peekers.has(userId)) return [];
    const active = await this.peeks.findBy({ userId, endedId: IsNull() });
    if (active.length === 0) this.peekers.delete(userId);
    const now = this.clock.now();
    const ending: RoomPeekEntity[] = [];
    const live: RoomPeekEntity[] = [];
    for (const peek of active) {
      if (peek.expiresTs <= now || !(await this.access.mayRead(userId, peek.roomId))) ending.push(peek);
      else live.push(peek);
    }
    if (ending.length > 0) await this.end(ending);
    return live;
  }

  /** Peeks of the user that ended in (after, upTo] of the peek stream. */
  async endedBetween(userId: string, after: number, upTo: number): Promise<RoomPeekEntity[]> {
    if ((this.newest.get(userId) ?? 0) <= after) return [];
    const ended = await this.peeks.findBy({ userId, endedId: MoreThan(after) });
    return ended.filter((peek) => peek.endedId !== null && peek.endedId <= upTo);
  }

  /** The earliest expiry among live peeks, so a long-poll wakes up in time to report it. */
  nextExpiry(peeks: RoomPeekEntity[]): number | null {
    return peeks.length === 0 ? null : Math.min(...peeks.map((peek) => peek.expiresTs));
  }

  private async end(peeks: RoomPeekEntity[]): Promise<void> {
    await this.writer.transaction(async (manager) => {
      for (const peek of peeks) {
        peek.endedId = ++this.position;
        this.newest.set(peek.userId, peek.endedId);
        await manager.update(RoomPeekEntity, { userId: peek.userId, roomId: peek.roomId }, { endedId: peek.endedId });
      }
    });
    this.notifier.wake(new Set(peeks.map((peek) => peek.userId)));
  }
}
