import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { parseSyncFilter, type SyncFilter } from '../events/event-filter.js';
import { FilterEntity } from './filter.entity.js';

/** Stored filters (POST/GET /user/{userId}/filter) and the `filter` parameter of /sync. */
@Injectable()
export class FilterService {
  constructor(
    @InjectRepository(FilterEntity) private readonly filters: Repository<FilterEntity>,
    private readonly writer: DatabaseWriter,
  ) {}

  async create(requester: Requester, userId: string, body: Record<string, unknown>): Promise<string> {
    this.requireSelf(requester, userId);
    const definition = parseSyncFilter(body);
    return this.writer.transaction(async (manager) => {
      const row = await manager
        .getRepository(FilterEntity)
        .createQueryBuilder('f')
        .select('MAX(f.filter_id)', 'max')
        .where('f.user_id = :userId', { userId })
        .getRawOne<{ max: number | null }>();
      const filterId = row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
      await manager.insert(FilterEntity, { userId, filterId, definition: definition as never });
      return String(filterId);
    });
  }

  async get(requester: Requester, userId: string, filterId: string): Promise<SyncFilter> {
    this.requireSelf(requester, userId);
    const row = /^\d{1,9}$/.test(filterId) ? await this.filters.findOneBy({ userId, filterId: Number(filterId) }) : null;
    if (!row) throw MatrixError.notFound('No such filter');
    return row.definition as SyncFilter;
  }

  /** Resolves /sync's `filter`: inline JSON when it starts with "{", else a stored filter ID. */
  async resolve(requester: Requester, filter: string | undefined): Promise<SyncFilter> {
    if (filter === undefined || filter === '') return {};
    if (filter.trim().startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(filter);
      } catch {
        throw MatrixError.invalidParam('filter is not valid JSON');
      }
      return parseSyncFilter(parsed);
    }
    const row = /^\d{1,9}$/.test(filter) ? await this.filters.findOneBy({ userId: requester.userId, filterId: Number(filter) }) : null;
    if (!row) throw MatrixError.invalidParam(`No filter with ID ${JSON.stringify(filter)}`);
    return row.definition as SyncFilter;
  }

  private requireSelf(requester: Requester, userId: string): void {
    if (requester.userId !== userId) throw MatrixError.forbidden("You cannot use another user's filters");
  }
}
