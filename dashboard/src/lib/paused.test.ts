import { describe, expect, it } from 'vitest';
import { appendOlder, countHeld, heldAnnouncement, HELD_MAX, holdArrivals, oldestCursor, pausedLabel } from './paused';
import { NO_PIPELINE } from './filters';
import { makeTrace } from '../test/fixtures';

describe('paused view helpers', () => {
  it('oldestCursor compares cursors numerically, not by list order', () => {
    const a = makeTrace({ seq: 5, cursor: '10-0', start_time_ms: 1 });
    const b = makeTrace({ seq: 6, cursor: '9-7', start_time_ms: 2 });
    expect(oldestCursor([a, b])).toBe('9-7');
    expect(oldestCursor([])).toBeNull();
  });

  it('appendOlder adds the records not shown, newest first, with no cap', () => {
    const shown = [makeTrace({ seq: 4 }), makeTrace({ seq: 3 })];
    const result = appendOlder(shown, [makeTrace({ seq: 2 }), makeTrace({ seq: 1 })]);
    expect(result.traces.map((t) => t.trace_id)).toEqual(['trace-4', 'trace-3', 'trace-2', 'trace-1']);
    expect(result.added).toBe(2);
  });

  it('appendOlder never replaces a shown record with an older one of the same operation', () => {
    const finished = makeTrace({ seq: 3 });
    const snapshot = { ...makeTrace({ seq: 3, running: true, status: 'running' }), cursor: '1-0' };
    const result = appendOlder([finished], [snapshot]);
    expect(result.traces).toEqual([finished]);
    expect(result.added).toBe(0);
  });

  it('holdArrivals counts each operation once and stops at HELD_MAX', () => {
    const t = makeTrace({ seq: 1, entrypoint: null });
    const held = holdArrivals(new Map(), [t, t]);
    expect([...held]).toEqual([[t.key, NO_PIPELINE]]);
    expect(holdArrivals(held, [t])).toBe(held);
    const full = new Map(Array.from({ length: HELD_MAX }, (_, i) => [`k${i}`, 'upper'] as [string, string]));
    expect(holdArrivals(full, [makeTrace()])).toBe(full);
  });

  it('countHeld counts what a resume would bring into view: the pipeline filtered on, not already shown', () => {
    const shown = makeTrace({ seq: 1 });
    const held = new Map([[shown.key, 'upper'], ['a', 'upper'], ['b', 'chat']]);
    expect(countHeld(held, null, [shown])).toBe(2);
    expect(countHeld(held, 'upper', [shown])).toBe(1);
    expect(countHeld(held, 'chat', [])).toBe(1);
  });

  it('labels and announcements say when the count stopped', () => {
    expect(pausedLabel(12, false)).toBe('Paused · 12 new');
    expect(pausedLabel(HELD_MAX, true)).toBe(`Paused · ${HELD_MAX}+ new`);
    expect(heldAnnouncement(1, false)).toBe('1 new trace waiting, live feed paused');
    expect(heldAnnouncement(3, false)).toBe('3 new traces waiting, live feed paused');
    expect(heldAnnouncement(0, false)).toBe('');
  });
});
