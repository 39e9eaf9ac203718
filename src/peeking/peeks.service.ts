import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, MoreThan, Repository } from 'typeorm';
import { RoomAccessService } from '../access/room-access.service.js';
import type { Requester } from '../auth/requester.js';
import { CLUSTER_LINK, splitPositionMessage, type ClusterLink } from '../cluster/cluster-link.js';
import { RateLimits, type RateLimit } from '../cluster/rate-limits.js';
import { Clock } from '../common/clock.js';
import { MatrixError } from '../common/matrix-error.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { SqlStatements } from '../database/sql-statements.js';
import { STREAM_LOCK_KEYS, StreamPositions } from '../database/stream-positions.js';
import { EventStore } from '../events/event-store.service.js';
import { StreamNotifier } from '../events/stream-notifier.service.js';
import { RoomPeekEntity } from './room-peek.entity.js';

/** The peek stream: a peek's end always takes a later position than its start. */
const PEEK_STREAM = { lockKey: STREAM_LOCK_KEYS.peeks, maxSql: 'SELECT MAX(COALESCE(ended_id, started_id)) AS max FROM room_peeks' };

/**
 * MSC2753 peeks: following a room without joining it. A peek lasts PEEK_EXPIRY_MS unless renewed
 * by peeking again; it ends on unpeek, on expiry, or when the peeker loses access. Starting and
 * ending each take a position in the peek stream so /sync reports each once.
 */
@Injectable()
export class PeeksService implements OnModuleInit {
  /** The newest position committed, by this process or before it started. */
  private position = 0;
  private readonly positions = new StreamPositions(PEEK_STREAM);
  private readonly limiter: RateLimit;
  /** Users with live peeks, and each user's newest peek-stream position: most syncs then skip the queries. */
  private readonly peekers = new Set<string>();
  private readonly newest = new Map<string, number>();

  constructor(
    @InjectRepository(RoomPeekEntity) private readonly peeks: Repository<RoomPeekEntity>,
    private readonly writer: DatabaseWriter,
    private readonly sql: SqlStatements,
    private readonly store: EventStore,
    private readonly access: RoomAccessService,
    private readonly notifier: StreamNotifier,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @Inject(CLUSTER_LINK) private readonly link: ClusterLink,
    limits: RateLimits,
  ) {
    this.limiter = limits.create('peek', config.RATE_LIMIT_PEEK_PER_SECOND, config.RATE_LIMIT_PEEK_BURST);
  }

  async onModuleInit(): Promise<void> {
    await this.load();
    // Another process started or ended a peek of the user: their syncs here read it from the database.
    this.link.on('peeks', (message) => {
      const [position, userId] = splitPositionMessage(message);
      this.committed(userId, position, false);
      this.peekers.add(userId);
      this.notifier.wake([userId]);
    });
    // Peeks told while the link was down may be missed: read again (what is here only grows).
    this.link.onReconnect(() => void this.load().catch(() => undefined));
  }

  /** Who peeks, each user's newest peek-stream position, and the stream's. */
  private async load(): Promise<void> {
    const position = await this.positions.highest(this.sql);
    for (const peek of await this.peeks.find()) {
      if (peek.endedId === null) this.peekers.add(peek.userId);
      this.newest.set(peek.userId, Math.max(this.newest.get(peek.userId) ?? 0, peek.startedId, peek.endedId ?? 0));
    }
    this.position = Math.max(this.position, position);
  }

  currentPosition(): number {
    return this.position;
  }

  async peek(requester: Requester, roomId: string): Promise<{ room_id: string; peek_expiry_ts: number }> {
    const retryAfterMs = await this.limiter.take(requester.userId, this.clock.now());
    if (retryAfterMs !== null) throw MatrixError.limitExceeded(retryAfterMs);
    if ((await this.store.membership(roomId, requester.userId)) === 'join') {
      throw new MatrixError(400, 'M_BAD_STATE', 'You are already in this room; there is nothing to peek');
    }
    await this.access.assertMayRead(requester.userId, roomId);
    const expiresTs = this.clock.now() + this.config.PEEK_EXPIRY_MS;
    const startedId = await this.writer.transaction(async (manager) => {
      const existing = await manager.findOneBy(RoomPeekEntity, { userId: requester.userId, roomId });
      if (existing && existing.endedId === null) {
        await manager.update(RoomPeekEntity, { userId: requester.userId, roomId }, { expiresTs });
        return null;
      }
      const position = await this.positions.in(this.sql.within(manager)).next();
      await manager.upsert(RoomPeekEntity, { userId: requester.userId, roomId, startedId: position, endedId: null, expiresTs }, ['userId', 'roomId']);
      return position;
    });
    if (startedId !== null) this.committed(requester.userId, startedId);
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
    const ended = await this.writer.transaction(async (manager) => {
      const positions = this.positions.in(this.sql.within(manager));
      const ends: number[] = [];
      for (const peek of peeks) {
        const endedId = await positions.next();
        await manager.update(RoomPeekEntity, { userId: peek.userId, roomId: peek.roomId }, { endedId });
        ends.push(endedId);
      }
      return ends;
    });
    peeks.forEach((peek, index) => {
      peek.endedId = ended[index];
      this.committed(peek.userId, ended[index]);
    });
    this.notifier.wake(new Set(peeks.map((peek) => peek.userId)));
  }

  /** A position of the user's committed: the stream and the user's newest reach it. */
  private committed(userId: string, position: number, here = true): void {
    this.position = Math.max(this.position, position);
    this.newest.set(userId, Math.max(this.newest.get(userId) ?? 0, position));
    if (here) void this.link.publish('peeks', `${position} ${userId}`);
  }
}
