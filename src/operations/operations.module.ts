import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LegacyModule } from '../legacy/legacy.module.js';
import { PresenceModule } from '../presence/presence.module.js';
import { DashboardController } from './dashboard/dashboard.controller.js';
import { HealthController } from './health.controller.js';
import { MetricSources } from './metrics/metric-sources.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { Metrics } from './metrics/metrics.js';
import { ReadinessChecks } from './readiness-checks.js';

/** What operators use: health, metrics and the dashboard. */
@Global()
@Module({
  // A failing check is answered with its reason; Terminus's own error log would repeat it per probe.
  imports: [TerminusModule.forRoot({ logger: false }), PresenceModule, LegacyModule],
  controllers: [HealthController, MetricsController, DashboardController],
  providers: [ReadinessChecks, Metrics, MetricSources],
  exports: [ReadinessChecks, Metrics],
})
export class OperationsModule {}
