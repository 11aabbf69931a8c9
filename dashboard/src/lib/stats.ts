// Summary statistics of the visible traces.
import type { Trace } from '../types';

export type TraceStats = {
  count: number;
  failures: number;
  running: number;
  /** Over finished traces only; null when there are none. */
  avgMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  /** Durations of the most recent finished traces, oldest first. */
  sparkline: number[];
  lastStartMs: number | null;
  lastFailed: boolean;
};

export const SPARKLINE_POINTS = 30;

/**
 * Nearest-rank percentile: the smallest value such that at least p% of the
 * values are <= it. `sorted` must be ascending. p in (0, 100].
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((Math.min(100, Math.max(0, p)) / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function computeStats(traces: readonly Trace[]): TraceStats {
  const finished = traces.filter((t) => !t.running);
  const durations = finished.map((t) => t.duration_ms).sort((a, b) => a - b);
  const sum = durations.reduce((acc, d) => acc + d, 0);
  const byStart = [...finished].sort((a, b) => a.start_time_ms - b.start_time_ms);
  let last: Trace | null = null;
  for (const t of traces) if (last === null || t.start_time_ms > last.start_time_ms) last = t;
  return {
    count: traces.length,
    failures: traces.filter((t) => t.status === 'error').length,
    running: traces.length - finished.length,
    avgMs: durations.length > 0 ? sum / durations.length : null,
    p50Ms: percentile(durations, 50),
    p95Ms: percentile(durations, 95),
    sparkline: byStart.slice(-SPARKLINE_POINTS).map((t) => t.duration_ms),
    lastStartMs: last?.start_time_ms ?? null,
    lastFailed: last?.status === 'error',
  };
}

export type SparklineGeometry = { points: string; last: { x: number; y: number } } | null;

/** SVG polyline points for `values` in a width x height box with 1.5 px padding. */
export function sparklinePoints(values: readonly number[], width: number, height: number): SparklineGeometry {
  if (values.length < 2) return null;
  const pad = 1.5;
  const min = Math.min(...values);
  const max = Math.max(...values);
  const range = max - min || 1;
  const coords = values.map((v, i) => ({
    x: pad + (i / (values.length - 1)) * (width - 2 * pad),
    y: max === min ? height / 2 : height - pad - ((v - min) / range) * (height - 2 * pad),
  }));
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    points: coords.map((c) => `${round(c.x)},${round(c.y)}`).join(' '),
    last: { x: round(coords[coords.length - 1]!.x), y: round(coords[coords.length - 1]!.y) },
  };
}
