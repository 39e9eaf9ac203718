import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Requester } from '../auth/requester.js';
import { MatrixError } from '../common/matrix-error.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import type { SyncFilter } from '../events/event-filter.js';
import { filterBoundsOf, parseFilterText, parseSyncFilter, usableSyncFilter, type FilterBounds } from '../events/filter-validation.js';
import { FilterEntity } from './filter.entity.js';

/** Stored filters (POST/GET /user/{userId}/filter) and the `filter` parameter of /sync. */
@Injectable()
export class FilterService {
  private readonly bounds: FilterBounds;

  constructor(
    @InjectRepository(FilterEntity) private readonly filters: Repository<FilterEntity>,
    private readonly writer: DatabaseWriter,
    config: AppConfig,
  ) {
    this.bounds = filterBoundsOf(config);
  }

  async create(requester: Requester, userId: string, body: Record<string, unknown>): Promise<string> {
    this.requireSelf(requester, userId);
    parseSyncFilter(body, this.bounds);
    return this.writer.transaction(async (manager) => {
      const row = await manager
        .getRepository(FilterEntity)
        .createQueryBuilder('f')
        .select('MAX(f.filter_id)', 'max')
        .where('f.user_id = :userId', { userId })
        .getRawOne<{ max: number | null }>();
      const filterId = row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
      await manager.insert(FilterEntity, { userId, filterId, definition: body });
      return String(filterId);
    });
  }

  /** The filter as it was stored (unknown keys included); `{}` for a row that is not an object. */
  async get(requester: Requester, userId: string, filterId: string): Promise<Record<string, unknown>> {
    this.requireSelf(requester, userId);
    const row = /^\d{1,9}$/.test(filterId) ? await this.filters.findOneBy({ userId, filterId: Number(filterId) }) : null;
    if (!row) throw MatrixError.notFound('No such filter');
    const { definition } = row;
    return typeof definition === 'object' && definition !== null && !Array.isArray(definition) ? (definition as Record<string, unknown>) : {};
  }

  /** Resolves /sync's `filter`: inline JSON when it starts with "{", else a stored filter ID. */
  async resolve(requester: Requester, filter: string | undefined): Promise<SyncFilter> {
    if (filter === undefined || filter === '') return {};
    if (filter.trim().startsWith('{')) return parseSyncFilter(parseFilterText(filter, this.bounds), this.bounds);
    const row = /^\d{1,9}$/.test(filter) ? await this.filters.findOneBy({ userId: requester.userId, filterId: Number(filter) }) : null;
    if (!row) throw MatrixError.invalidParam(`No filter with ID ${JSON.stringify(filter)}`);
    // Stored filters were checked when stored, but perhaps under older rules: read leniently.
    return usableSyncFilter(row.definition);
  }

  private requireSelf(requester: Requester, userId: string): void {
    if (requester.userId !== userId) throw MatrixError.forbidden("You cannot use another user's filters");
  }
}
