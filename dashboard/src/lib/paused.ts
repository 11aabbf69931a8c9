// The paused view: while the live feed is paused the list shown stays as it was, what arrives meanwhile is only
// counted (the live list keeps merging it in the background), and older pages of the store can be appended.
import type { Trace } from '../types';
import { compareCursors } from './cursor';
import { pipelineKey, type PipelineFilter } from './filters';
import { compareNewestFirst } from './merge';

/** Most arrivals a pause keeps count of: a long pause on a busy server must not grow without bound. */
export const HELD_MAX = 10_000;

/** Arrivals while paused: trace key → its pipeline key (what the count needs, not the records). */
export type Held = ReadonlyMap<string, string>;

/** The oldest cursor among `traces`, where a page of older ones starts; null for none. */
export function oldestCursor(traces: readonly Trace[]): string | null {
  let oldest: string | null = null;
  for (const trace of traces) if (oldest === null || compareCursors(trace.cursor, oldest) < 0) oldest = trace.cursor;
  return oldest;
}

/**
 * Older records join the list shown, beyond any cap. A record of an operation already shown is dropped: the one
 * shown is newer (an older page can hold the running snapshot of a trace whose final record is shown).
 */
export function appendOlder(shown: Trace[], older: readonly Trace[]): { traces: Trace[]; added: number } {
  const keys = new Set(shown.map((t) => t.key));
  const fresh: Trace[] = [];
  for (const trace of older) {
    if (keys.has(trace.key)) continue;
    keys.add(trace.key);
    fresh.push(trace);
  }
  if (fresh.length === 0) return { traces: shown, added: 0 };
  return { traces: [...shown, ...fresh].sort(compareNewestFirst), added: fresh.length };
}

/** Counts `incoming` among the arrivals held (the same map when none is new, or the count is full). */
export function holdArrivals(held: Held, incoming: readonly Trace[]): Held {
  let next: Map<string, string> | null = null;
  for (const trace of incoming) {
    const current = next ?? held;
    if (current.size >= HELD_MAX) break;
    if (current.has(trace.key)) continue;
    next ??= new Map(held);
    next.set(trace.key, pipelineKey(trace));
  }
  return next ?? held;
}

/** How many of the held arrivals a resume brings into view: of the pipeline filtered on, and not shown already. */
export function countHeld(held: Held, filter: PipelineFilter, shown: readonly Trace[]): number {
  if (held.size === 0) return 0;
  const shownKeys = new Set(shown.map((t) => t.key));
  let count = 0;
  for (const [key, pipeline] of held) if ((filter === null || pipeline === filter) && !shownKeys.has(key)) count += 1;
  return count;
}

/** "12", or "12+" once the pause stopped counting. */
function countText(count: number, full: boolean): string {
  return full ? `${count}+` : `${count}`;
}

/** The pause control's status, e.g. "Paused · 12 new". */
export function pausedLabel(count: number, full: boolean): string {
  return `Paused · ${countText(count, full)} new`;
}

/** For the polite live region while paused, e.g. "12 new traces waiting, live feed paused". */
export function heldAnnouncement(count: number, full: boolean): string {
  if (count <= 0) return '';
  return `${countText(count, full)} new trace${count === 1 && !full ? '' : 's'} waiting, live feed paused`;
}
