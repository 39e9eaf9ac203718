import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const PREFIX = 'presence_rooms_';

/** Seconds: from a millisecond up to the longest publication lag and long-poll the settings allow. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LAG_BUCKETS = [0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

/** A gauge whose value is read from its owner when scraped, rather than kept up to date by hand. */
export class SampledGauge {
  private read: () => number = () => 0;

  constructor(registry: Registry, name: string, help: string) {
    const sampled = this;
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(sampled.read());
      },
    });
  }

  /** The owner of the number says how to read it (once, at start-up). */
  from(read: () => number): void {
    this.read = read;
  }
}

/** A counter kept by its owner (and stored across restarts), read when scraped. */
export class SampledCounts<L extends string> {
  private read: () => Array<{ labels: Record<L, string>; value: number }> = () => [];

  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    const sampled = this;
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const { labels, value } of sampled.read()) this.inc(labels, value);
      },
    });
  }

  from(read: () => Array<{ labels: Record<L, string>; value: number }>): void {
    this.read = read;
  }
}

/**
 * The server's Prometheus metrics, in a registry of this application's own (tests run several in
 * one process). Every label takes values from a closed set: route templates, input kinds, causes,
 * legacy surfaces and modes; never a path, a user or a room.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'Time from receiving a request to its answer being sent, by method and route template (long-polls included)',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly presenceInputs = new Counter({
    name: `${PREFIX}presence_inputs_total`,
    help: 'Presence inputs applied, by kind (sync, manual, activity, status, ...)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  readonly presencePublications = new Counter({
    name: `${PREFIX}presence_publications_total`,
    help: 'Presence changes written for others to see, by cause: hand (set by the user), request (another input), clock (timers)',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  readonly presencePublicationLag = new Histogram({
    name: `${PREFIX}presence_publication_lag_seconds`,
    help: 'From when what others should see changed to when the change was committed',
    buckets: LAG_BUCKETS,
    registers: [this.registry],
  });

  readonly presenceTrackedUsers = new SampledGauge(this.registry, `${PREFIX}presence_tracked_users`, 'Users whose presence inputs the engine holds');

  readonly presenceSweepDuration = new Histogram({
    name: `${PREFIX}presence_sweep_duration_seconds`,
    help: 'One sweep of the presence timers, including writing what it published',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly fanoutDeliveries = new Counter({
    name: `${PREFIX}presence_fanout_deliveries_total`,
    help: 'presenceChanged messages delivered to subscriptions',
    registers: [this.registry],
  });

  readonly fanoutLatency = new Histogram({
    name: `${PREFIX}presence_fanout_delivery_latency_seconds`,
    help: 'From a committed presence change reaching the fan-out to its delivery to the subscriptions',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly wsConnections = new SampledGauge(this.registry, `${PREFIX}graphql_ws_connections`, 'Open GraphQL WebSocket connections');

  readonly wsSubscriptions = new SampledGauge(this.registry, `${PREFIX}graphql_ws_subscriptions`, 'Operations running on GraphQL WebSocket connections');

  readonly syncLongPolls = new Gauge({
    name: `${PREFIX}sync_long_polls_waiting`,
    help: '/sync requests waiting for something to report',
    registers: [this.registry],
  });

  readonly historyPurged = new Counter({
    name: `${PREFIX}history_purged_events_total`,
    help: 'Superseded presence and status events purged from profile rooms (PRESENCE_HISTORY_RETENTION_MS)',
    registers: [this.registry],
  });

  readonly legacyCalls = new SampledCounts(
    this.registry,
    `${PREFIX}legacy_calls_total`,
    'Calls of the legacy presence surfaces since their deprecation date (kept across restarts), by surface and its mode',
    ['surface', 'mode'],
  );

  constructor() {
    // Process CPU, memory, handles, GC and event-loop lag (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text exposition of everything above. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
