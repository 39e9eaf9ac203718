import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { And, LessThanOrEqual, MoreThan, Repository } from 'typeorm';
import type { Requester } from '../auth/requester.js';
import { CLUSTER_LINK, splitPositionMessage, type ClusterLink } from '../cluster/cluster-link.js';
import { DomainEventBus } from '../common/event-bus.js';
import { MatrixError } from '../common/matrix-error.js';
import { parseId } from '../common/matrix-ids.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { SqlStatements } from '../database/sql-statements.js';
import { STREAM_LOCK_KEYS, StreamPositions } from '../database/stream-positions.js';
import { AccountDataEntity } from './account-data.entity.js';

/** Types the server manages itself; clients change them through their own endpoints. */
const SERVER_MANAGED_TYPES = new Set(['m.push_rules', 'm.fully_read']);

/** Account data's stream: a row takes a new position each time it is set. */
const ACCOUNT_DATA_STREAM = { lockKey: STREAM_LOCK_KEYS.accountData, maxSql: 'SELECT MAX(stream_id) AS max FROM account_data' };

/** Global and per-room account data, with a stream position of its own for /sync. */
@Injectable()
export class AccountDataService implements OnModuleInit {
  /** The newest position committed, by this process or before it started. */
  private position = 0;
  private readonly positions = new StreamPositions(ACCOUNT_DATA_STREAM);
  /** The newest stream position of each user's account data, once known: most syncs then skip the query. */
  private readonly latest = new Map<string, number>();

  constructor(
    @InjectRepository(AccountDataEntity) private readonly rows: Repository<AccountDataEntity>,
    private readonly writer: DatabaseWriter,
    private readonly sql: SqlStatements,
    private readonly bus: DomainEventBus,
    @Inject(CLUSTER_LINK) private readonly link: ClusterLink,
  ) {}

  async onModuleInit(): Promise<void> {
    this.position = await this.positions.highest(this.sql);
    // Another process set the user's account data: syncs here read it from the database.
    this.link.on('account-data', (message) => {
      const [streamId, userId] = splitPositionMessage(message);
      this.position = Math.max(this.position, streamId);
      if (this.latest.has(userId)) this.latest.set(userId, Math.max(this.latest.get(userId)!, streamId));
      this.bus.emit('account-data.changed', { userId, streamId });
    });
    // Changes told while the link was down may be missed: positions are read again.
    this.link.onReconnect(() => {
      this.latest.clear();
      void this.positions.highest(this.sql).then(
        (position) => (this.position = Math.max(this.position, position)),
        () => undefined,
      );
    });
  }

  currentPosition(): number {
    return this.position;
  }

  async set(requester: Requester, userId: string, roomId: string, type: string, content: Record<string, unknown>): Promise<void> {
    this.checkAccess(requester, userId, roomId);
    if (SERVER_MANAGED_TYPES.has(type)) {
      throw MatrixError.badJson(`Cannot set ${type} through the account data API`);
    }
    const streamId = await this.writer.transaction(async (manager) => {
      const next = await this.positions.in(this.sql.within(manager)).next();
      await manager.upsert(AccountDataEntity, { userId, roomId, type, content: content as never, streamId: next }, [
        'userId',
        'roomId',
        'type',
      ]);
      return next;
    });
    this.position = Math.max(this.position, streamId);
    this.latest.set(userId, Math.max(this.latest.get(userId) ?? 0, streamId));
    void this.link.publish('account-data', `${streamId} ${userId}`);
    this.bus.emit('account-data.changed', { userId, streamId });
  }

  async get(requester: Requester, userId: string, roomId: string, type: string): Promise<Record<string, unknown>> {
    this.checkAccess(requester, userId, roomId);
    const row = await this.rows.findOneBy({ userId, roomId, type });
    if (!row) throw MatrixError.notFound(`No account data of type ${type}`);
    return row.content;
  }

  /** Account data changed in (after, upTo]. */
  async changes(userId: string, after: number, upTo: number): Promise<AccountDataEntity[]> {
    const newest = this.latest.get(userId);
    if (newest !== undefined && newest <= after) return [];
    const rows = await this.rows.find({
      where: { userId, streamId: And(MoreThan(after), LessThanOrEqual(upTo)) },
      order: { streamId: 'ASC' },
    });
    // A full read (from 0) tells the newest position; later reads only confirm it.
    if (after === 0 && upTo >= this.position) this.latest.set(userId, rows.at(-1)?.streamId ?? 0);
    return rows;
  }

  private checkAccess(requester: Requester, userId: string, roomId: string): void {
    if (requester.userId !== userId) throw MatrixError.forbidden("You cannot access another user's account data");
    if (roomId !== '' && !parseId(roomId, '!')) throw MatrixError.invalidParam(`Invalid room ID ${JSON.stringify(roomId)}`);
  }
}
