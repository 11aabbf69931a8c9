// How the header describes the store: shared across workers, per-worker, degraded.
import type { DashboardConfig } from '../types';

export type ViewMode = { text: string; tone: 'ok' | 'warning'; title: string };

export function workerCount(config: DashboardConfig): number {
  return Math.max(1, config.workers.length);
}

export function describeViewMode(config: DashboardConfig): ViewMode {
  const n = workerCount(config);
  const workers = n === 1 ? '1 worker' : `${n} workers`;
  if (!config.consistent) {
    const self = config.this_worker !== null ? ` (${config.this_worker})` : '';
    return {
      text: `${workers} · this worker only`,
      tone: 'warning',
      title: `Each worker keeps its own traces; this view shows only the traces served by this worker${self}.`,
    };
  }
  if (config.store === 'redis') {
    return { text: `${workers} · shared via Redis`, tone: 'ok', title: 'All workers share one trace store in Redis.' };
  }
  return { text: `${workers} · in memory`, tone: 'ok', title: 'A single worker keeps traces in memory.' };
}

export function degradedMessage(config: DashboardConfig): string | null {
  if (!config.degraded) return null;
  return 'Redis is unreachable: this worker is serving only its own traces until it reconnects.';
}

/** A chip when the tracer keeps only some traces: a sampled-out trace never reaches the dashboard. */
export function samplingNote(config: DashboardConfig): { text: string; title: string } | null {
  const sampling = config.sampling;
  if (sampling === null || sampling.rate === 1) return null;
  const rule = sampling.description ? ` (${sampling.description})` : '';
  if (sampling.rate === null) {
    // A sampler of the user's own: it may keep every trace or few, the server cannot tell.
    return {
      text: 'custom sampler',
      title: `The tracer's own sampler${rule} decides which traces are kept; traces it drops never appear here.`,
    };
  }
  const share = `${(sampling.rate * 100).toLocaleString(undefined, { maximumFractionDigits: 2 })} %`;
  return {
    text: `sampled · ${share}`,
    title: `The tracer keeps ${share} of new traces${rule}; the others are not recorded and never appear here.`,
  };
}
