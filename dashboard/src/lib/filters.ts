// Pipeline filter, free-text search, per-pipeline counts and sorting.
import type { DashboardConfig, Span, SortMode, Trace } from '../types';
import { compareNewestFirst } from './merge';

/** `null` means "All pipelines". */
export type PipelineFilter = string | null;

/** Traces without an entrypoint are grouped under this sidebar key. */
export const NO_PIPELINE = '(none)';

export function pipelineKey(trace: Trace): string {
  return trace.entrypoint ?? NO_PIPELINE;
}

/**
 * A pipeline filter's own list, read from the server (`/traces?entrypoint=`): the browser's list holds only the
 * newest `list_cap` traces of every pipeline, so a pipeline's older traces are only in the store.
 * `loading`: asked for, not answered yet (`traces` holds what the browser had of it meanwhile); `loaded`: the
 * server answered; `failed`: it could not be read (the list is then only what the browser had).
 * `more`: the server may hold more of it than the list does (the answer filled the page, or the list its cap).
 */
export type PipelineScope = {
  pipeline: string;
  traces: Trace[];
  status: 'loading' | 'loaded' | 'failed';
  more: boolean;
};

/** Whether a filter can be read from the server: every named pipeline, not the traces without one. */
export function scopeOf(filter: PipelineFilter): string | null {
  return filter === null || filter === NO_PIPELINE ? null : filter;
}

const haystackCache = new WeakMap<Trace, string>();

function collectSpanText(span: Span, out: string[]): void {
  out.push(span.name);
  for (const tag of span.tags) out.push(tag.value);
  for (const child of span.children) collectSpanText(child, out);
}

/** Lower-cased text a search query is matched against (cached per record). */
export function searchText(trace: Trace): string {
  const cached = haystackCache.get(trace);
  if (cached !== undefined) return cached;
  const parts: string[] = [trace.trace_id, trace.entrypoint ?? '', trace.kind, trace.status, trace.worker ?? ''];
  for (const tag of trace.tags) parts.push(tag.value);
  if (trace.error !== null) parts.push(trace.error.type, trace.error.message, trace.error.stack ?? '');
  collectSpanText(trace.root_span, parts);
  const text = parts.join('\n').toLowerCase();
  haystackCache.set(trace, text);
  return text;
}

/** Every whitespace-separated term of the query must occur (case-insensitive). */
export function matchesSearch(trace: Trace, query: string): boolean {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const text = searchText(trace);
  return terms.every((term) => text.includes(term));
}

export function filterTraces(traces: readonly Trace[], pipeline: PipelineFilter, query: string): Trace[] {
  return traces.filter((t) => (pipeline === null || pipelineKey(t) === pipeline) && matchesSearch(t, query));
}

/**
 * `source`: where the counts come from: the traces loaded in the browser (`loaded`), or the server's answer for
 * the pipeline filtered on (`store`; `more`: it may hold more than `count`).
 */
export type PipelineCount = {
  name: string;
  count: number;
  failures: number;
  deployed: boolean;
  source: 'loaded' | 'store';
  more: boolean;
};

const failuresOf = (traces: readonly Trace[]) => traces.filter((t) => t.status === 'error').length;

/**
 * One row per pipeline seen in traces or deployed, sorted by name; counts from `traces`, except for the pipeline
 * of a loaded `scope`, counted from what the server answered for it.
 */
export function pipelineCounts(traces: readonly Trace[], deployed: readonly string[], scope: PipelineScope | null = null): PipelineCount[] {
  const rows = new Map<string, PipelineCount>();
  const empty = (name: string, isDeployed: boolean): PipelineCount =>
    ({ name, count: 0, failures: 0, deployed: isDeployed, source: 'loaded', more: false });
  for (const name of deployed) rows.set(name, empty(name, true));
  for (const trace of traces) {
    const name = pipelineKey(trace);
    const row = rows.get(name) ?? empty(name, false);
    rows.set(name, { ...row, count: row.count + 1, failures: row.failures + (trace.status === 'error' ? 1 : 0) });
  }
  if (scope !== null && scope.status === 'loaded') {
    const row = rows.get(scope.pipeline) ?? empty(scope.pipeline, false);
    rows.set(scope.pipeline, { ...row, count: scope.traces.length, failures: failuresOf(scope.traces), source: 'store', more: scope.more });
  }
  return [...rows.values()].sort((a, b) => {
    if (a.name === NO_PIPELINE) return 1;
    if (b.name === NO_PIPELINE) return -1;
    return a.name.localeCompare(b.name);
  });
}

/**
 * Whether the browser holds every trace the store holds, so that counts of the loaded traces are the store's: the
 * store's `stored` (from the config) is known and reached; without it, while the list is below its cap.
 */
export function loadedIsComplete(loaded: number, config: Pick<DashboardConfig, 'list_cap' | 'stats'>): boolean {
  const stored = config.stats?.stored ?? null;
  return stored !== null ? loaded >= stored : loaded < config.list_cap;
}

/** A sidebar count: its text, and what it counts (its accessible name and tooltip). */
export type CountLabel = { text: string; label: string };

/**
 * What a pipeline's count says. The server's answer for the pipeline filtered on is the store's count ("12", or
 * "100+" when the store may hold more). A count of the loaded traces is the store's when the browser holds them all
 * (`complete`); otherwise it counts only the `loaded` newest (or, `paused`, the ones shown, older pages included),
 * and says so — a pipeline none of them belongs to shows "–", not 0: the store may well hold its traces.
 */
export function describeCount(row: PipelineCount, complete: boolean, loaded: number, paused = false): CountLabel {
  const traces = (n: number) => `${n} trace${n === 1 ? '' : 's'}`;
  if (row.source === 'store') {
    return row.more
      ? { text: `${row.count}+`, label: `${traces(row.count)} or more in the store` }
      : { text: `${row.count}`, label: `${traces(row.count)} in the store` };
  }
  if (complete) return { text: `${row.count}`, label: traces(row.count) };
  const among = `among the ${loadedTraces(loaded, paused)}`;
  if (row.count === 0) return { text: '–', label: `none ${among}: filter on it to read the store` };
  return { text: `${row.count}`, label: `${traces(row.count)} ${among}` };
}

/** "100 newest traces loaded", or while paused (the list may hold older pages) "100 traces shown". */
export function loadedTraces(loaded: number, paused: boolean): string {
  return paused ? `${loaded} traces shown` : `${loaded} newest traces loaded`;
}

export function sortTraces(traces: readonly Trace[], mode: SortMode): Trace[] {
  const copy = [...traces];
  if (mode === 'slowest') {
    return copy.sort((a, b) => b.duration_ms - a.duration_ms || compareNewestFirst(a, b));
  }
  return copy.sort(compareNewestFirst);
}
