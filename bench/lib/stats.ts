/** Latency and throughput figures of one measured run. */
export interface Measurement {
  count: number;
  errors: number;
  durationMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index];
}

export function measure(latencies: number[], errors: number, durationMs: number): Measurement {
  const sorted = Float64Array.from(latencies).sort();
  return {
    count: latencies.length,
    errors,
    durationMs,
    perSecond: durationMs > 0 ? (latencies.length / durationMs) * 1000 : 0,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  };
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
