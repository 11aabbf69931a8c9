// How the header describes the store (shared across workers, per-worker, degraded) and what a clear reaches.
import type { DashboardConfig } from '../types';

export type ViewMode = { text: string; tone: 'ok' | 'warning'; title: string };
export type ClearScope = { enabled: boolean; tooltip: string; title: string; body: string };

/** Workers sharing the store (those seen); without one, the worker processes the server was started with. */
export function workerCount(config: DashboardConfig): number {
  const seen = config.workers.length;
  return Math.max(1, config.consistent ? seen : config.configured_workers ?? seen);
}

export function describeViewMode(config: DashboardConfig): ViewMode {
  const n = workerCount(config);
  const workers = n === 1 ? '1 worker' : `${n} workers`;
  const self = config.this_worker !== null ? ` (${config.this_worker})` : '';
  if (config.degraded) {
    return {
      text: 'this worker only (Redis unreachable)',
      tone: 'warning',
      title: `Redis is unreachable: this view shows only the traces served by this worker${self} until it reconnects.`,
    };
  }
  if (!config.consistent) {
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

/** What the Clear button reaches: every worker with a shared store, one worker without, nothing while degraded. */
export function describeClear(config: DashboardConfig): ClearScope {
  if (config.degraded) {
    const why = 'Redis is unreachable: nothing can be cleared until it reconnects.';
    return { enabled: false, tooltip: why, title: 'Clear traces?', body: why };
  }
  if (!config.consistent) {
    return {
      enabled: true,
      tooltip: 'Clear the traces of the worker that answers; the other workers keep theirs',
      title: "Clear one worker's traces?",
      body: 'Each worker keeps its own traces: this removes only those of the worker that answers, not the other ' +
        "workers'. It cannot be undone.",
    };
  }
  if (config.store === 'redis') {
    return {
      enabled: true,
      tooltip: 'Clear the traces of every worker (shared via Redis)',
      title: 'Clear all traces?',
      body: 'This removes every stored trace for all workers and all viewers of this dashboard. It cannot be undone.',
    };
  }
  return {
    enabled: true,
    tooltip: 'Clear all traces',
    title: 'Clear all traces?',
    body: 'This removes every stored trace for all viewers of this dashboard. It cannot be undone.',
  };
}

export function degradedMessage(config: DashboardConfig): string | null {
  if (!config.degraded) return null;
  return 'Redis is unreachable: this worker is serving only its own traces until it reconnects.';
}

/** A chip when the server records no trace at all: without it the page looks live and merely quiet. */
export function captureNote(config: DashboardConfig): { text: string; title: string } | null {
  if (config.capturing) return null;
  return {
    text: 'capture off',
    title: 'OTEL_SDK_DISABLED=true turns tracing off on this server: no trace is recorded, so none appears here. ' +
      'Restart the server without it to capture traces.',
  };
}

/** A chip when the tracer keeps only some traces: a sampled-out trace never reaches the dashboard. */
export function samplingNote(config: DashboardConfig): { text: string; title: string } | null {
  const sampling = config.sampling;
  // Nothing is captured at all: the capture-off chip says so, a share of nothing would only confuse.
  if (!config.capturing || sampling === null || sampling.rate === 1) return null;
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
