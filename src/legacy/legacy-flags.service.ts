import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { Repository } from 'typeorm';
import { Clock } from '../common/clock.js';
import { AppConfig, type LegacyMode } from '../config/app-config.js';
import { DatabaseWriter } from '../database/database-writer.service.js';
import { ServerMetaEntity } from '../database/server-meta.entity.js';
import { deprecationHeaders, LEGACY_SURFACES, surfaceMode, type LegacySurface } from './legacy-surfaces.js';
import { LegacyUsageEntity } from './legacy-usage.entity.js';

const FIRST_START_KEY = 'first_started_ts';
const FLUSH_INTERVAL_MS = 10_000;
const MAX_USER_AGENT_LENGTH = 255;

export interface LegacyUsageReport {
  since: number;
  surfaces: Record<string, { mode: LegacyMode; calls: number; user_agents: Array<{ user_agent: string; calls: number; first_called_ts: number; last_called_ts: number }> }>;
}

/**
 * The deprecation flags of the legacy presence surfaces: their modes and headers, and a count
 * of every call per surface and user agent (kept in memory, written every few seconds).
 */
@Injectable()
export class LegacyFlagsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LegacyFlagsService.name);
  /** Counts by surface, then by user agent: looked up on every legacy call, so no key is built. */
  private readonly usage = new Map<LegacySurface, Map<string, LegacyUsageEntity>>();
  private readonly dirty = new Set<LegacyUsageEntity>();
  private deprecatedAt = new Date(0);
  private sunset: Date | null = null;
  private flusher?: NodeJS.Timeout;

  constructor(
    @InjectRepository(LegacyUsageEntity) private readonly rows: Repository<LegacyUsageEntity>,
    private readonly writer: DatabaseWriter,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.deprecatedAt = new Date(this.config.LEGACY_DEPRECATION_DATE ?? (await this.firstStart()));
    this.sunset = this.config.LEGACY_SUNSET ? new Date(this.config.LEGACY_SUNSET) : null;
    for (const row of await this.rows.find()) this.agentsOf(row.surface as LegacySurface).set(row.userAgent, row);
    this.flusher = setInterval(() => {
      this.flush().catch((error: unknown) => this.logger.error('legacy usage not saved', error instanceof Error ? error.stack : String(error)));
    }, FLUSH_INTERVAL_MS);
    this.flusher.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flusher);
    await this.flush();
  }

  mode(surface: LegacySurface): LegacyMode {
    return surfaceMode(this.config, surface);
  }

  isRemoved(surface: LegacySurface): boolean {
    return this.mode(surface) === 'removed';
  }

  /** Counts a call of a legacy surface (whatever its mode: a removed surface still tells who calls it). */
  record(surface: LegacySurface, userAgent: string | undefined): void {
    const agent = (userAgent || '(none)').slice(0, MAX_USER_AGENT_LENGTH);
    const agents = this.agentsOf(surface);
    const now = this.clock.now();
    let row = agents.get(agent);
    if (!row) agents.set(agent, (row = Object.assign(new LegacyUsageEntity(), { surface, userAgent: agent, calls: 0, firstCalledTs: now })));
    row.calls += 1;
    row.lastCalledTs = now;
    this.dirty.add(row);
  }

  /** Adds the deprecation headers to a response when the surface is deprecated. */
  annotate(reply: FastifyReply, surface: LegacySurface, userId?: string): void {
    if (this.mode(surface) !== 'deprecated') return;
    const headers = deprecationHeaders(this.deprecatedAt, this.sunset, LEGACY_SURFACES[surface].successor(userId));
    // A /sync can use two deprecated parts at once: keep both successor links.
    const link = reply.getHeader('link');
    if (typeof link === 'string' && !link.includes(headers.Link)) headers.Link = `${link}, ${headers.Link}`;
    void reply.headers(headers);
  }

  report(): LegacyUsageReport {
    const surfaces: LegacyUsageReport['surfaces'] = {};
    for (const surface of Object.keys(LEGACY_SURFACES) as LegacySurface[]) {
      const agents = [...(this.usage.get(surface)?.values() ?? [])]
        .sort((a, b) => b.calls - a.calls)
        .map((row) => ({ user_agent: row.userAgent, calls: row.calls, first_called_ts: row.firstCalledTs, last_called_ts: row.lastCalledTs }));
      surfaces[surface] = { mode: this.mode(surface), calls: agents.reduce((sum, agent) => sum + agent.calls, 0), user_agents: agents };
    }
    return { since: this.deprecatedAt.getTime(), surfaces };
  }

  private agentsOf(surface: LegacySurface): Map<string, LegacyUsageEntity> {
    let agents = this.usage.get(surface);
    if (!agents) this.usage.set(surface, (agents = new Map()));
    return agents;
  }

  private async firstStart(): Promise<number> {
    return this.writer.transaction(async (manager) => {
      // Processes starting together on a new database race to be first: the first insert stands.
      await manager
        .createQueryBuilder()
        .insert()
        .into(ServerMetaEntity)
        .values({ key: FIRST_START_KEY, value: String(this.clock.now()) })
        .orIgnore()
        .execute();
      const row = await manager.findOneByOrFail(ServerMetaEntity, { key: FIRST_START_KEY });
      return Number(row.value);
    });
  }

  private async flush(): Promise<void> {
    if (this.dirty.size === 0) return;
    const rows = [...this.dirty];
    this.dirty.clear();
    await this.writer.transaction((manager) => manager.upsert(LegacyUsageEntity, rows, ['surface', 'userAgent']).then(() => undefined));
  }
}
