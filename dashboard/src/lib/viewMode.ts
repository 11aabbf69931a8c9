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
