import { Controller, Get, Headers, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../../auth/access-token.guard.js';
import { MatrixError } from '../../common/matrix-error.js';
import { AppConfig } from '../../config/app-config.js';
import { Metrics } from './metrics.js';

/** Prometheus's scrape endpoint; behind `Authorization: Bearer <METRICS_TOKEN>` when that is set. */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const expected = this.config.METRICS_TOKEN;
    if (expected !== undefined) {
      const given = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
      if (given === undefined) throw new MatrixError(401, 'M_MISSING_TOKEN', 'Metrics need the METRICS_TOKEN as a Bearer token');
      if (!sameSecret(given, expected)) throw MatrixError.forbidden('Wrong metrics token');
    }
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.exposition();
  }
}

/** Compares digests, so the time taken says nothing about the token, not even its length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
