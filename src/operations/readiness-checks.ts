import { Injectable } from '@nestjs/common';
import type { HealthIndicatorFunction } from '@nestjs/terminus';

/**
 * What else GET /health/ready asks besides the database: a module whose dependency must be up
 * for this process to serve (a Redis connection, owning presence in a cluster) registers its
 * indicator here at start-up, and readiness fails while it reports down.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, HealthIndicatorFunction>();

  register(name: string, check: HealthIndicatorFunction): void {
    if (this.checks.has(name)) throw new Error(`readiness check ${name} registered twice`);
    this.checks.set(name, check);
  }

  get all(): HealthIndicatorFunction[] {
    return [...this.checks.values()];
  }
}
