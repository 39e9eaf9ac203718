import type { BenchDatabase } from './server.js';
import type { Measurement } from './stats.js';

/** One row of the results table: a figure beside its same-run baseline. */
export interface ScenarioResult {
  scenario: string;
  metric: string;
  value: number;
  baselineName: string;
  baseline: number;
  /** value / baseline, oriented so that higher is better when `higherIsBetter`. */
  ratio: number;
  target: string;
  /** Null for a row with no target of its own (a report, or a comparison beside another row). */
  met: boolean | null;
  details: Record<string, unknown>;
  errors: number;
}

export interface BenchOptions {
  quick: boolean;
  /** Where the server under load keeps its data (the scenarios that use a database). */
  database: BenchDatabase;
  /** Server processes sharing the load (PostgreSQL and Redis beyond 1: `--cluster=N`). */
  processes?: number;
}

export function describeMeasurement(measurement: Measurement): Record<string, number> {
  return {
    count: measurement.count,
    per_second: Math.round(measurement.perSecond),
    p50_ms: Math.round(measurement.p50Ms * 10) / 10,
    p99_ms: Math.round(measurement.p99Ms * 10) / 10,
    errors: measurement.errors,
  };
}
