import { describe, expect, it } from 'vitest';
import { makeSpan, makeTrace } from '../test/fixtures';
import { advanceCursor, capTraces, compareNewestFirst, mergeTraces, preferRecord } from './merge';

describe('mergeTraces', () => {
  it('adds new traces newest first and reports them', () => {
    const a = makeTrace({ seq: 1 });
    const b = makeTrace({ seq: 2 });
    const result = mergeTraces([a], [b], 10);
    expect(result.traces.map((t) => t.trace_id)).toEqual(['trace-2', 'trace-1']);
    expect(result.added).toEqual(['trace-2:root-2']);
    expect(result.changed).toBe(true);
  });

  it('keeps one entry per trace_id; the newest cursor wins', () => {
    const old = makeTrace({ seq: 1, cursor: '100-0', duration_ms: 5 });
    const newer = { ...old, cursor: '100-1', duration_ms: 7 };
    const result = mergeTraces([old], [newer], 10);
    expect(result.traces).toHaveLength(1);
    expect(result.traces[0]!.duration_ms).toBe(7);
    expect(result.added).toEqual([]);
    // an older record arriving late does not win
    const late = mergeTraces(result.traces, [{ ...old, cursor: '99-9', duration_ms: 1 }], 10);
    expect(late.traces[0]!.duration_ms).toBe(7);
    expect(late.changed).toBe(false);
  });

  it('compares cursors numerically when choosing a record', () => {
    const a = makeTrace({ seq: 1, cursor: '9-0', duration_ms: 1 });
    const b = { ...a, cursor: '10-0', duration_ms: 2 };
    expect(mergeTraces([a], [b], 10).traces[0]!.duration_ms).toBe(2);
  });

  it('replaces a running record by the finished one, in place', () => {
    const running = makeTrace({ seq: 3, running: true, status: 'running', cursor: '200-0' });
    const other = makeTrace({ seq: 1 });
    const finished = { ...running, running: false, status: 'ok' as const, cursor: '300-0', duration_ms: 42 };
    const result = mergeTraces([running, other], [finished], 10);
    expect(result.traces.map((t) => t.trace_id)).toEqual(['trace-3', 'trace-1']);
    expect(result.traces[0]).toBe(finished);
    expect(result.added).toEqual([]);
  });

  it('never goes back from finished to running', () => {
    const finished = makeTrace({ seq: 1, cursor: '100-0' });
    const staleRunning = { ...finished, running: true, status: 'running' as const, cursor: '200-0' };
    expect(preferRecord(finished, staleRunning)).toBe(finished);
    expect(mergeTraces([finished], [staleRunning], 10).changed).toBe(false);
  });

  it('caps the list keeping the newest', () => {
    const traces = [1, 2, 3, 4, 5].map((seq) => makeTrace({ seq }));
    const result = mergeTraces([], traces, 3);
    expect(result.traces.map((t) => t.trace_id)).toEqual(['trace-5', 'trace-4', 'trace-3']);
    expect(result.added.sort()).toEqual(['trace-3:root-3', 'trace-4:root-4', 'trace-5:root-5']);
    // an old trace arriving into a full list is dropped right away
    const old = makeTrace({ seq: 0 });
    const again = mergeTraces(result.traces, [old], 3);
    expect(again.traces.map((t) => t.trace_id)).toEqual(['trace-5', 'trace-4', 'trace-3']);
    expect(again.added).toEqual([]);
  });

  it('keeps operations that share a trace_id (one traceparent, several calls) as separate entries', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const first = makeTrace({ seq: 1, trace_id: traceId, root_span: makeSpan({ span_id: '00f067aa0ba902b7' }) });
    const second = makeTrace({ seq: 2, trace_id: traceId, root_span: makeSpan({ span_id: 'b7ad6b7169203331' }) });
    const result = mergeTraces([first], [second], 10);
    expect(result.traces).toEqual([second, first]);
    expect(result.added).toEqual([`${traceId}:b7ad6b7169203331`]);
    expect(mergeTraces([], [first, second], 10).traces).toHaveLength(2);
  });

  it('merges the running snapshot and the final record of one operation, beside another operation of its trace_id', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const running = makeTrace({ seq: 3, trace_id: traceId, root_span: makeSpan({ span_id: '00f067aa0ba902b7', running: true }), running: true, status: 'running', cursor: '200-0' });
    const sibling = makeTrace({ seq: 1, trace_id: traceId, root_span: makeSpan({ span_id: 'b7ad6b7169203331' }), cursor: '250-0' });
    const finished = { ...running, root_span: { ...running.root_span, running: false }, running: false, status: 'ok' as const, cursor: '300-0', duration_ms: 42 };
    const result = mergeTraces([running, sibling], [finished], 10);
    expect(result.traces).toEqual([finished, sibling]);
    expect(result.traces[0]).toBe(finished);
    expect(result.added).toEqual([]);
    // and a late running snapshot does not replace the final record
    expect(mergeTraces(result.traces, [running], 10).changed).toBe(false);
  });

  it('returns the same array when nothing changes', () => {
    const list = [makeTrace({ seq: 1 })];
    expect(mergeTraces(list, [], 10).traces).toBe(list);
    expect(mergeTraces(list, [list[0]!], 10).traces).toBe(list);
  });

  it('does not mutate its inputs', () => {
    const list = Object.freeze([makeTrace({ seq: 1 })]) as unknown as ReturnType<typeof makeTrace>[];
    expect(() => mergeTraces(list, [makeTrace({ seq: 2 })], 10)).not.toThrow();
    expect(list).toHaveLength(1);
  });
});

describe('ordering helpers', () => {
  it('orders by start time, then cursor', () => {
    const a = makeTrace({ seq: 1, start_time_ms: 5, cursor: '1-0' });
    const b = makeTrace({ seq: 2, start_time_ms: 5, cursor: '2-0' });
    const c = makeTrace({ seq: 3, start_time_ms: 9 });
    expect([a, b, c].sort(compareNewestFirst).map((t) => t.trace_id)).toEqual(['trace-3', 'trace-2', 'trace-1']);
  });

  it('capTraces handles zero and larger caps', () => {
    const list = [makeTrace(), makeTrace()];
    expect(capTraces(list, 0)).toEqual([]);
    expect(capTraces(list, 5)).toBe(list);
  });

  it('advanceCursor picks the newest of current, next_after_seq and trace cursors', () => {
    const t = makeTrace({ cursor: '500-2' });
    expect(advanceCursor('500-1', null, [t])).toBe('500-2');
    expect(advanceCursor('500-1', '600-0', [t])).toBe('600-0');
    expect(advanceCursor('700-0', '600-0', [t])).toBe('700-0');
    expect(advanceCursor(null, null, [])).toBeNull();
  });
});
