// "NEW" highlight: a trace is fresh for `freshMs` after the client received it
// live (traces from the initial load are not fresh).

/** trace key (`Trace.key`: one operation) -> client receive time (ms). */
export type Arrivals = ReadonlyMap<string, number>;

export function recordArrivals(arrivals: Arrivals, ids: readonly string[], nowMs: number): Map<string, number> {
  const next = new Map(arrivals);
  for (const id of ids) if (!next.has(id)) next.set(id, nowMs);
  return next;
}

export function isFresh(arrivedMs: number | undefined, nowMs: number, freshMs: number): boolean {
  return arrivedMs !== undefined && nowMs - arrivedMs < freshMs;
}

export function freshIds(arrivals: Arrivals, nowMs: number, freshMs: number): Set<string> {
  const ids = new Set<string>();
  for (const [id, at] of arrivals) if (isFresh(at, nowMs, freshMs)) ids.add(id);
  return ids;
}

/** Drops arrivals that are no longer fresh or whose trace left the list. */
export function pruneArrivals(arrivals: Arrivals, nowMs: number, freshMs: number, keep: ReadonlySet<string>): Map<string, number> {
  const next = new Map<string, number>();
  for (const [id, at] of arrivals) if (keep.has(id) && isFresh(at, nowMs, freshMs)) next.set(id, at);
  return next;
}

/** Text for the polite live region, e.g. "3 new traces". */
export function announcement(newCount: number, failedCount: number): string {
  if (newCount <= 0) return '';
  const base = newCount === 1 ? '1 new trace' : `${newCount} new traces`;
  return failedCount > 0 ? `${base}, ${failedCount} failed` : base;
}
