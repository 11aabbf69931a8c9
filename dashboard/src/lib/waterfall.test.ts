import { describe, expect, it } from 'vitest';
import { makeSpan, makeTrace } from '../test/fixtures';
import { barGeometry, layoutWaterfall, MIN_BAR_WIDTH_PCT, traceExtent } from './waterfall';

function sampleTrace() {
  const comp = makeSpan({
    span_id: 'c1', name: 'haystack.component.run', start_time_ms: 1050, duration_ms: 25,
    tags: [{ key: 'haystack.component.name', value: 'exclaim' }, { key: 'haystack.component.type', value: 'Exclaim' }],
  });
  const early = makeSpan({
    span_id: 'c0', name: 'haystack.component.run', start_time_ms: 1010, duration_ms: 0.01,
    tags: [{ key: 'haystack.component.name', value: 'upper' }],
  });
  const inner = makeSpan({
    span_id: 'p', name: 'haystack.pipeline.run', start_time_ms: 1000, duration_ms: 100,
    tags: [{ key: 'hayhooks.pipeline.name', value: 'sub' }], children: [comp, early],
  });
  const root = makeSpan({
    span_id: 'r', name: 'hayhooks.pipeline.run', start_time_ms: 1000, duration_ms: 200,
    tags: [{ key: 'hayhooks.pipeline.name', value: 'upper' }], children: [inner],
  });
  return makeTrace({
    entrypoint: 'upper', start_time_ms: 1000, duration_ms: 200, root_span: root,
    slowest_component: { span_id: 'c1', name: 'exclaim', type: 'Exclaim', duration_ms: 25 },
  });
}

describe('layoutWaterfall', () => {
  it('flattens depth-first with children by start time and computes percentages of the root', () => {
    const rows = layoutWaterfall(sampleTrace());
    expect(rows.map((r) => [r.span.span_id, r.depth])).toEqual([['r', 0], ['p', 1], ['c0', 2], ['c1', 2]]);
    expect(rows[0]).toMatchObject({ offsetPct: 0, widthPct: 100 });
    expect(rows[1]).toMatchObject({ offsetPct: 0, widthPct: 50 });
    expect(rows[3]).toMatchObject({ offsetPct: 25, widthPct: 12.5 });
    expect(rows[2]!.offsetPct).toBe(5);
    expect(rows[2]!.widthPct).toBe(MIN_BAR_WIDTH_PCT);
  });

  it('labels component spans with name and type and flags only the slowest', () => {
    const rows = layoutWaterfall(sampleTrace());
    expect(rows[3]).toMatchObject({ title: 'exclaim', component: 'exclaim', componentType: 'Exclaim', isSlowest: true });
    expect(rows[2]).toMatchObject({ title: 'upper', componentType: null, isSlowest: false });
    expect(rows[0]).toMatchObject({ title: 'hayhooks.pipeline.run', component: null });
    expect(rows.filter((r) => r.isSlowest)).toHaveLength(1);
  });

  it('shows a pipeline badge only where the pipeline changes', () => {
    const rows = layoutWaterfall(sampleTrace());
    expect(rows.map((r) => r.pipeline)).toEqual([null, 'sub', null, null]);
  });

  it('extends running spans to the end and clamps out-of-range spans', () => {
    const running = makeSpan({ start_time_ms: 1050, duration_ms: 0, running: true });
    expect(barGeometry(running, 1000, 200)).toEqual({ offsetPct: 25, widthPct: 75 });
    const before = makeSpan({ start_time_ms: 900, duration_ms: 50 });
    expect(barGeometry(before, 1000, 200).offsetPct).toBe(0);
    const after = makeSpan({ start_time_ms: 1300, duration_ms: 50 });
    const g = barGeometry(after, 1000, 200);
    expect(g.offsetPct + g.widthPct).toBeLessThanOrEqual(100);
    expect(barGeometry(before, 1000, 0)).toEqual({ offsetPct: 0, widthPct: 100 });
  });

  it('while running, extends the extent to the elapsed client time when plausible', () => {
    const running = makeSpan({ start_time_ms: 1000, duration_ms: 0, running: true, children: [makeSpan({ start_time_ms: 1000, duration_ms: 30 })] });
    expect(traceExtent(running)).toEqual({ start: 1000, total: 30 });
    expect(traceExtent(running, 1400)).toEqual({ start: 1000, total: 400 });
    expect(traceExtent(running, 900)).toEqual({ start: 1000, total: 30 });
    expect(traceExtent(running, 1000 + 2 * 86_400_000)).toEqual({ start: 1000, total: 30 });
    const finished = makeSpan({ start_time_ms: 1000, duration_ms: 50 });
    expect(traceExtent(finished, 5000)).toEqual({ start: 1000, total: 50 });
    const trace = makeTrace({ root_span: { ...running, children: [makeSpan({ start_time_ms: 1030, duration_ms: 0, running: true })] } });
    const rows = layoutWaterfall(trace, 1400);
    expect(rows[1]).toMatchObject({ offsetPct: 7.5, widthPct: 92.5, running: true });
  });

  it('widens the extent when a child ends after the root', () => {
    const root = makeSpan({ start_time_ms: 0, duration_ms: 10, children: [makeSpan({ start_time_ms: 5, duration_ms: 15 })] });
    expect(traceExtent(root)).toEqual({ start: 0, total: 20 });
  });
});

describe('failed spans', () => {
  it("flags a span failed only when it says so: error, not ok, not a span that does not say", () => {
    const raised = makeSpan({ span_id: 'v', status: 'error', start_time_ms: 1010, duration_ms: 5 });
    const fine = makeSpan({ span_id: 'o', status: 'ok', start_time_ms: 1000, duration_ms: 5 });
    const unknown = makeSpan({ span_id: 'u', status: null, start_time_ms: 1020, duration_ms: 5 });
    const root = makeSpan({ span_id: 'r', status: 'error', start_time_ms: 1000, duration_ms: 50, children: [raised, fine, unknown] });
    const rows = layoutWaterfall(makeTrace({ start_time_ms: 1000, duration_ms: 50, status: 'error', root_span: root }));
    expect(rows.map((r) => [r.span.span_id, r.failed])).toEqual([['r', true], ['o', false], ['v', true], ['u', false]]);
  });
});

