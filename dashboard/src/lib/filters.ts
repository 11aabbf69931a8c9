// Pipeline filter, free-text search, per-pipeline counts and sorting.
import type { Span, SortMode, Trace } from '../types';
import { compareNewestFirst } from './merge';

/** `null` means "All pipelines". */
export type PipelineFilter = string | null;

/** Traces without an entrypoint are grouped under this sidebar key. */
export const NO_PIPELINE = '(none)';

export function pipelineKey(trace: Trace): string {
  return trace.entrypoint ?? NO_PIPELINE;
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

export type PipelineCount = { name: string; count: number; failures: number; deployed: boolean };

/** One row per pipeline seen in traces or deployed, sorted by name; counts from `traces`. */
export function pipelineCounts(traces: readonly Trace[], deployed: readonly string[]): PipelineCount[] {
  const rows = new Map<string, PipelineCount>();
  for (const name of deployed) rows.set(name, { name, count: 0, failures: 0, deployed: true });
  for (const trace of traces) {
    const name = pipelineKey(trace);
    const row = rows.get(name) ?? { name, count: 0, failures: 0, deployed: false };
    rows.set(name, { ...row, count: row.count + 1, failures: row.failures + (trace.status === 'error' ? 1 : 0) });
  }
  return [...rows.values()].sort((a, b) => {
    if (a.name === NO_PIPELINE) return 1;
    if (b.name === NO_PIPELINE) return -1;
    return a.name.localeCompare(b.name);
  });
}

export function sortTraces(traces: readonly Trace[], mode: SortMode): Trace[] {
  const copy = [...traces];
  if (mode === 'slowest') {
    return copy.sort((a, b) => b.duration_ms - a.duration_ms || compareNewestFirst(a, b));
  }
  return copy.sort(compareNewestFirst);
}
