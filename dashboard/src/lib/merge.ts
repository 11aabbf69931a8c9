// Merging pages / stream events into the client's trace list.
//
// Rules:
// - one entry per trace_id;
// - a finished record always replaces a running one (running -> finished), and
//   is never replaced by a running record again;
// - otherwise the record with the newest cursor wins;
// - the list is ordered newest first (start time, then cursor) and capped to
//   `cap` entries, keeping the newest.
import type { Trace } from '../types';
import { compareCursors, maxCursor } from './cursor';

export type MergeResult = {
  traces: Trace[];
  /** trace_ids that were not in the list before (and survived the cap). */
  added: string[];
  /** true when `traces` differs from the input list. */
  changed: boolean;
};

/** Which of two records for the same trace_id to keep. */
export function preferRecord(current: Trace, incoming: Trace): Trace {
  if (current.running !== incoming.running) return current.running ? incoming : current;
  return compareCursors(incoming.cursor, current.cursor) > 0 ? incoming : current;
}

/** Newest first: by start time, then by cursor, then by trace_id for a total order. */
export function compareNewestFirst(a: Trace, b: Trace): number {
  if (a.start_time_ms !== b.start_time_ms) return b.start_time_ms - a.start_time_ms;
  const byCursor = compareCursors(b.cursor, a.cursor);
  if (byCursor !== 0) return byCursor;
  return a.trace_id < b.trace_id ? -1 : a.trace_id > b.trace_id ? 1 : 0;
}

export function capTraces(traces: Trace[], cap: number): Trace[] {
  const limit = Math.max(0, Math.floor(cap));
  return traces.length <= limit ? traces : traces.slice(0, limit);
}

export function mergeTraces(existing: Trace[], incoming: readonly Trace[], cap: number): MergeResult {
  if (incoming.length === 0 && existing.length <= cap) return { traces: existing, added: [], changed: false };
  const byId = new Map<string, Trace>();
  for (const trace of existing) byId.set(trace.trace_id, trace);
  const before = new Set(byId.keys());
  let changed = false;
  for (const trace of incoming) {
    const current = byId.get(trace.trace_id);
    const next = current === undefined ? trace : preferRecord(current, trace);
    if (next !== current) {
      byId.set(trace.trace_id, next);
      changed = true;
    }
  }
  if (!changed && existing.length <= cap) return { traces: existing, added: [], changed: false };
  const traces = capTraces([...byId.values()].sort(compareNewestFirst), cap);
  const kept = new Set(traces.map((t) => t.trace_id));
  const added = [...kept].filter((id) => !before.has(id));
  return { traces, added, changed: true };
}

/** Newest cursor among the page's `next_after_seq`, its traces' cursors and the current one. */
export function advanceCursor(current: string | null, nextAfterSeq: string | null, traces: readonly Trace[]): string | null {
  return maxCursor(current, nextAfterSeq, ...traces.map((t) => t.cursor));
}
