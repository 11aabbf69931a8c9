// Merging pages / stream events into the client's trace list.
//
// Rules:
// - one entry per operation (`key`: trace_id + root span id; several operations
//   may share a trace_id, a running snapshot and its final record share the key);
// - a finished record always replaces a running one (running -> finished), and
//   is never replaced by a running record again;
// - otherwise the record with the newest cursor wins;
// - the list is ordered newest first (start time, then cursor) and capped to
//   `cap` entries, keeping the newest.
import type { Trace } from '../types';
import { compareCursors, maxCursor } from './cursor';

export type MergeResult = {
  traces: Trace[];
  /** keys of the records that were not in the list before (and survived the cap). */
  added: string[];
  /** true when `traces` differs from the input list. */
  changed: boolean;
};

/** Which of two records for the same operation (same key) to keep. */
export function preferRecord(current: Trace, incoming: Trace): Trace {
  if (current.running !== incoming.running) return current.running ? incoming : current;
  return compareCursors(incoming.cursor, current.cursor) > 0 ? incoming : current;
}

/** Newest first: by start time, then by cursor, then by trace_id and key for a total order. */
export function compareNewestFirst(a: Trace, b: Trace): number {
  if (a.start_time_ms !== b.start_time_ms) return b.start_time_ms - a.start_time_ms;
  const byCursor = compareCursors(b.cursor, a.cursor);
  if (byCursor !== 0) return byCursor;
  if (a.trace_id !== b.trace_id) return a.trace_id < b.trace_id ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

export function capTraces(traces: Trace[], cap: number): Trace[] {
  const limit = Math.max(0, Math.floor(cap));
  return traces.length <= limit ? traces : traces.slice(0, limit);
}

export function mergeTraces(existing: Trace[], incoming: readonly Trace[], cap: number): MergeResult {
  if (incoming.length === 0 && existing.length <= cap) return { traces: existing, added: [], changed: false };
  const byKey = new Map<string, Trace>();
  for (const trace of existing) byKey.set(trace.key, trace);
  const before = new Set(byKey.keys());
  let changed = false;
  for (const trace of incoming) {
    const current = byKey.get(trace.key);
    const next = current === undefined ? trace : preferRecord(current, trace);
    if (next !== current) {
      byKey.set(trace.key, next);
      changed = true;
    }
  }
  if (!changed && existing.length <= cap) return { traces: existing, added: [], changed: false };
  const traces = capTraces([...byKey.values()].sort(compareNewestFirst), cap);
  const kept = new Set(traces.map((t) => t.key));
  const added = [...kept].filter((key) => !before.has(key));
  return { traces, added, changed: true };
}

/** Newest cursor among the page's `next_after_seq`, its traces' cursors and the current one. */
export function advanceCursor(current: string | null, nextAfterSeq: string | null, traces: readonly Trace[]): string | null {
  return maxCursor(current, nextAfterSeq, ...traces.map((t) => t.cursor));
}
