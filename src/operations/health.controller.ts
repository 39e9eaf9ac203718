import { Controller, Get, OnModuleDestroy, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/access-token.guard.js';
import { ReadinessChecks } from './readiness-checks.js';

/** A database that does not answer within this is as good as down for a load balancer. */
const DATABASE_PING_TIMEOUT_MS = 2000;

/**
 * Liveness and readiness for process supervisors and load balancers: no token, and nothing in
 * the answer but each check's name and status. A failed check answers 503 with the same shape.
 */
@Controller('health')
export class HealthController implements OnModuleDestroy {
  /** Set when the shutdown begins, so that load balancers stop sending before the server stops accepting. */
  private stopping = false;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly checks: ReadinessChecks,
  ) {}

  onModuleDestroy(): void {
    this.stopping = true;
  }

  /** The process answers requests. */
  @Public()
  @Get('live')
  live(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return this.run(reply, []);
  }

  /** Not shutting down, the database answers, every migration ran, and whatever else was registered is up. */
  @Public()
  @Get('ready')
  ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return this.run(reply, [
      () => (this.stopping ? this.indicators.check('shutdown').down('shutting down') : this.indicators.check('shutdown').up()),
      () => this.database.pingCheck('database').withTimeout(DATABASE_PING_TIMEOUT_MS),
      () => this.migrations(),
      ...this.checks.all,
    ]);
  }

  private migrations() {
    return this.indicators
      .check('migrations')
      .attempt(async () => {
        // showMigrations() is true while any migration is pending.
        if (await this.dataSource.showMigrations()) throw new Error('migrations pending');
      })
      .withTimeout(DATABASE_PING_TIMEOUT_MS);
  }

  /** Terminus's answer, with its 503 kept as Terminus shapes it rather than as a Matrix error. */
  private async run(reply: FastifyReply, checks: Parameters<HealthCheckService['check']>[0]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }
}
