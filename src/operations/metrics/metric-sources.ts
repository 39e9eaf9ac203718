import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { DomainEventBus } from '../../common/event-bus.js';
import { LegacyFlagsService } from '../../legacy/legacy-flags.service.js';
import { PresenceService } from '../../presence/presence.service.js';
import { Metrics } from './metrics.js';

/** The route label of a request no route matched: its path is the client's, so it is not used. */
const UNMATCHED = 'unmatched';

/**
 * Feeds the metrics from what the server already tells: Fastify's per-request hook with the
 * route template, the presence engine's domain events, and the legacy usage counts.
 */
@Injectable()
export class MetricSources implements OnModuleInit, OnModuleDestroy {
  private stops: Array<() => void> = [];

  constructor(
    private readonly metrics: Metrics,
    private readonly adapterHost: HttpAdapterHost,
    private readonly bus: DomainEventBus,
    private readonly presence: PresenceService,
    private readonly legacy: LegacyFlagsService,
  ) {}

  onModuleInit(): void {
    this.countRequests(this.adapterHost.httpAdapter.getInstance<FastifyInstance>());
    const { metrics } = this;
    this.stops = [
      this.bus.on('presence.applied', ({ kinds }) => kinds.forEach((kind) => metrics.presenceInputs.inc({ kind }))),
      this.bus.on('presence.published', ({ cause, changedAt, committedAt }) => {
        metrics.presencePublications.inc({ cause });
        metrics.presencePublicationLag.observe(Math.max(0, committedAt - changedAt) / 1000);
      }),
      this.bus.on('presence.swept', ({ durationMs }) => metrics.presenceSweepDuration.observe(durationMs / 1000)),
      this.bus.on('history.purged', ({ events }) => metrics.historyPurged.inc(events)),
    ];
    metrics.presenceTrackedUsers.from(() => this.presence.trackedUsers);
    metrics.legacyCalls.from(() =>
      Object.entries(this.legacy.report().surfaces).map(([surface, { mode, calls }]) => ({ labels: { surface, mode }, value: calls })),
    );
  }

  onModuleDestroy(): void {
    this.stops.forEach((stop) => stop());
  }

  private countRequests(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? UNMATCHED;
      const method = request.method;
      this.metrics.httpRequests.inc({ method, route, status: String(reply.statusCode) });
      this.metrics.httpDuration.observe({ method, route }, reply.elapsedTime / 1000);
      done();
    });
  }
}
