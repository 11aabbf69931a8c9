// Trace cursors are opaque strings `<ms>-<seq>` (Redis stream ids). They must be
// compared numerically, ms first, then seq: as strings "9-0" > "10-0".

export type ParsedCursor = { ms: bigint; seq: bigint };

const CURSOR_RE = /^(\d+)-(\d+)$/;

export function parseCursor(cursor: string | null | undefined): ParsedCursor | null {
  if (typeof cursor !== 'string') return null;
  const match = CURSOR_RE.exec(cursor.trim());
  if (match === null) return null;
  return { ms: BigInt(match[1]!), seq: BigInt(match[2]!) };
}

export function isCursor(value: unknown): value is string {
  return typeof value === 'string' && parseCursor(value) !== null;
}

/** Negative when a < b, positive when a > b, 0 when equal. Invalid/missing cursors sort first. */
export function compareCursors(a: string | null | undefined, b: string | null | undefined): number {
  const pa = parseCursor(a);
  const pb = parseCursor(b);
  if (pa === null || pb === null) {
    if (pa === pb) return 0;
    return pa === null ? -1 : 1;
  }
  if (pa.ms !== pb.ms) return pa.ms < pb.ms ? -1 : 1;
  if (pa.seq !== pb.seq) return pa.seq < pb.seq ? -1 : 1;
  return 0;
}

/** The newest of the given cursors, ignoring invalid ones; null when none is valid. */
export function maxCursor(...cursors: Array<string | null | undefined>): string | null {
  let best: string | null = null;
  for (const cursor of cursors) {
    if (!isCursor(cursor)) continue;
    if (best === null || compareCursors(cursor, best) > 0) best = cursor;
  }
  return best;
}
