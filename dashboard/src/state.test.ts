import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createModel, ANNOUNCE_DELAY_MS } from './state';
import { DEFAULT_CONFIG } from './lib/normalize';
import { makePage, makeSpan, makeTrace } from './test/fixtures';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('model', () => {
  it('merges pages, advances the cursor and adopts the first generation', () => {
    const m = createModel();
    const t1 = makeTrace({ seq: 1, cursor: '100-0' });
    const t2 = makeTrace({ seq: 2, cursor: '100-1' });
    expect(m.actions.receivePage(makePage([t2, t1], { next_after_seq: '100-1', generation: 4 }), false)).toBe('merged');
    expect(m.traces.value.map((t) => t.trace_id)).toEqual(['trace-2', 'trace-1']);
    expect(m.cursor.value).toBe('100-1');
    expect(m.generation.value).toBe(4);
    expect(m.loaded.value).toBe(true);
    // initial load: nothing is "new"
    expect(m.fresh.value.size).toBe(0);
  });

  it('resets when a page carries another generation', () => {
    const m = createModel();
    m.actions.receivePage(makePage([makeTrace({ seq: 1 })], { generation: 1 }), false);
    m.actions.toggleExpanded('trace-1');
    const outcome = m.actions.receivePage(makePage([makeTrace({ seq: 2 })], { generation: 2 }), true);
    expect(outcome).toBe('generation-changed');
    expect(m.traces.value).toEqual([]);
    expect(m.cursor.value).toBeNull();
    expect(m.generation.value).toBe(2);
    expect(m.expanded.value.size).toBe(0);
  });

  it('marks live arrivals fresh for fresh_ms and announces them once, batched', () => {
    const m = createModel();
    m.actions.applyConfig({ ...DEFAULT_CONFIG, fresh_ms: 6000 });
    m.actions.receivePage(makePage([makeTrace({ seq: 1 })]), false);
    m.actions.receiveTrace(makeTrace({ seq: 2 }));
    m.actions.receiveTrace(makeTrace({ seq: 3, status: 'error' }));
    m.actions.tick(Date.now());
    expect([...m.fresh.value].sort()).toEqual(['trace-2:root-2', 'trace-3:root-3']);
    expect(m.liveMessage.value).toBe('');
    vi.advanceTimersByTime(ANNOUNCE_DELAY_MS);
    expect(m.liveMessage.value).toBe('2 new traces, 1 failed');
    m.actions.tick(Date.now() + 6000);
    expect(m.fresh.value.size).toBe(0);
    expect(m.arrivals.value.size).toBe(0);
  });

  it('keeps the fresh set identity while nothing changes (no re-render per clock tick)', () => {
    const m = createModel();
    m.actions.receiveTrace(makeTrace({ seq: 1 }));
    const t0 = Date.now();
    m.actions.tick(t0);
    const first = m.fresh.value;
    m.actions.tick(t0 + 1000);
    expect(m.fresh.value).toBe(first);
    m.actions.receiveTrace(makeTrace({ seq: 2 }));
    expect(m.fresh.value).not.toBe(first);
    expect(m.fresh.value.size).toBe(2);
  });

  it('running -> finished updates in place and is not announced as new', () => {
    const m = createModel();
    const running = makeTrace({ seq: 5, running: true, status: 'running', cursor: '10-0' });
    m.actions.receivePage(makePage([running]), false);
    m.actions.receiveTrace({ ...running, running: false, status: 'ok', cursor: '11-0', duration_ms: 77 });
    expect(m.traces.value).toHaveLength(1);
    expect(m.traces.value[0]!.running).toBe(false);
    expect(m.traces.value[0]!.duration_ms).toBe(77);
    expect(m.cursor.value).toBe('11-0');
    expect(m.fresh.value.size).toBe(0);
  });

  it('operations sharing a trace_id are separate: both listed, fresh, announced and expanded on their own', () => {
    const m = createModel();
    m.actions.applyConfig({ ...DEFAULT_CONFIG, fresh_ms: 6000 });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const a = makeTrace({ seq: 1, trace_id: traceId, root_span: makeSpan({ span_id: '00f067aa0ba902b7' }) });
    const b = makeTrace({ seq: 2, trace_id: traceId, root_span: makeSpan({ span_id: 'b7ad6b7169203331' }) });
    m.actions.receiveTrace(a);
    m.actions.receiveTrace(b);
    expect(m.traces.value).toEqual([b, a]);
    m.actions.tick(Date.now());
    expect([...m.fresh.value].sort()).toEqual([a.key, b.key].sort());
    expect(m.arrivals.value.size).toBe(2);
    vi.advanceTimersByTime(ANNOUNCE_DELAY_MS);
    expect(m.liveMessage.value).toBe('2 new traces');
    m.actions.toggleExpanded(a.key);
    expect(m.expanded.value.has(a.key)).toBe(true);
    expect(m.expanded.value.has(b.key)).toBe(false);
  });

  it('a deep link to a trace_id opens each of its operations as they load; one to a key opens that one', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const a = makeTrace({ seq: 1, trace_id: traceId, root_span: makeSpan({ span_id: '00f067aa0ba902b7' }), running: true, status: 'running', cursor: '10-0' });
    const b = makeTrace({ seq: 2, trace_id: traceId, root_span: makeSpan({ span_id: 'b7ad6b7169203331' }) });
    const other = makeTrace({ seq: 3 });
    const m = createModel();
    m.actions.openLinked(traceId);
    m.actions.receivePage(makePage([other, a]), false);
    expect([...m.expanded.value]).toEqual([a.key]);
    m.actions.receiveTrace(b);
    expect([...m.expanded.value].sort()).toEqual([a.key, b.key].sort());
    // closing a card sticks when its final record arrives
    m.actions.toggleExpanded(a.key);
    m.actions.receiveTrace({ ...a, running: false, status: 'ok', cursor: '20-0' });
    expect([...m.expanded.value]).toEqual([b.key]);

    const byKey = createModel();
    byKey.actions.receivePage(makePage([other, b, a]), false);
    byKey.actions.openLinked(b.key);
    expect([...byKey.expanded.value]).toEqual([b.key]);
    // a cleared store forgets the link
    byKey.actions.resetForGeneration(9);
    byKey.actions.receivePage(makePage([b], { generation: 9 }), false);
    expect(byKey.expanded.value.size).toBe(0);
  });

  it('applies list_cap, also when the config shrinks it', () => {
    const m = createModel();
    m.actions.applyConfig({ ...DEFAULT_CONFIG, list_cap: 3 });
    m.actions.receivePage(makePage([1, 2, 3, 4, 5].map((seq) => makeTrace({ seq }))), false);
    expect(m.traces.value.map((t) => t.trace_id)).toEqual(['trace-5', 'trace-4', 'trace-3']);
    m.actions.applyConfig({ ...DEFAULT_CONFIG, list_cap: 2 });
    expect(m.traces.value.map((t) => t.trace_id)).toEqual(['trace-5', 'trace-4']);
  });

  it('filter, search and sort drive visible traces and stats', () => {
    const m = createModel();
    m.actions.receivePage(makePage([
      makeTrace({ seq: 1, entrypoint: 'upper', duration_ms: 10 }),
      makeTrace({ seq: 2, entrypoint: 'chat', duration_ms: 30, status: 'error' }),
      makeTrace({ seq: 3, entrypoint: 'upper', duration_ms: 20 }),
    ]), false);
    expect(m.stats.value.count).toBe(3);
    m.actions.setFilter('upper');
    expect(m.visible.value.map((t) => t.trace_id)).toEqual(['trace-3', 'trace-1']);
    expect(m.stats.value).toMatchObject({ count: 2, failures: 0, avgMs: 15 });
    m.actions.toggleSort();
    expect(m.visible.value.map((t) => t.trace_id)).toEqual(['trace-3', 'trace-1']);
    m.actions.setFilter(null);
    expect(m.visible.value.map((t) => t.trace_id)).toEqual(['trace-2', 'trace-3', 'trace-1']);
    m.actions.setQuery('chat');
    expect(m.stats.value).toMatchObject({ count: 1, failures: 1 });
    expect(m.pipelines.value.map((p) => [p.name, p.count])).toEqual([['chat', 1], ['upper', 2]]);
  });

  it('theme: a user choice is marked as chosen, a system change is not', () => {
    const m = createModel('light');
    m.actions.setTheme('dark', false);
    expect(m.theme.value).toBe('dark');
    expect(m.themeChosen.value).toBe(false);
    m.actions.setTheme('light');
    expect(m.themeChosen.value).toBe(true);
  });

  it('toggleExpanded replaces the set', () => {
    const m = createModel();
    const before = m.expanded.value;
    m.actions.toggleExpanded('a');
    expect(m.expanded.value).not.toBe(before);
    expect(m.expanded.value.has('a')).toBe(true);
    m.actions.toggleExpanded('a', true);
    expect(m.expanded.value.has('a')).toBe(true);
    m.actions.toggleExpanded('a');
    expect(m.expanded.value.has('a')).toBe(false);
  });

  it('keeps the examples\' identity while the server sends the same ones (each config refresh reads them)', () => {
    const m = createModel();
    m.actions.setExamples(new Map([['shout', '{"text":"hello"}']]));
    const first = m.examples.value;
    m.actions.setExamples(new Map([['shout', '{"text":"hello"}']]));
    expect(m.examples.value).toBe(first);
    m.actions.setExamples(new Map([['shout', '{"text":"hi"}']]));
    expect(m.examples.value.get('shout')).toBe('{"text":"hi"}');
  });
});

describe('paused live feed', () => {
  const ids = (traces: readonly { trace_id: string }[]) => traces.map((t) => t.trace_id);

  /** A model with list_cap 3 showing traces 1..3 (3 running). */
  function loaded() {
    const m = createModel();
    m.actions.applyConfig({ ...DEFAULT_CONFIG, list_cap: 3, generation: 1 });
    m.actions.receivePage(makePage([
      makeTrace({ seq: 3, running: true, status: 'running' }), makeTrace({ seq: 2 }), makeTrace({ seq: 1 }),
    ]), false);
    return m;
  }

  it('holds the list shown while records keep arriving, and counts the new ones', () => {
    const m = loaded();
    m.actions.pause();
    m.actions.receiveTrace(makeTrace({ seq: 4 }));
    m.actions.receiveTrace(makeTrace({ seq: 3, duration_ms: 900 }));
    expect(ids(m.visible.value)).toEqual(['trace-3', 'trace-2', 'trace-1']);
    expect(m.visible.value[0]!.running).toBe(true);
    expect(m.stats.value.count).toBe(3);
    expect(m.cursor.value).toBe(makeTrace({ seq: 4 }).cursor);
    expect(m.heldCount.value).toBe(1);
    expect(m.fresh.value.size).toBe(0);
    vi.advanceTimersByTime(ANNOUNCE_DELAY_MS);
    expect(m.liveMessage.value).toBe('1 new trace waiting, live feed paused');
  });

  it('resume applies what was held: new traces (marked NEW), running -> finished, then the cap', () => {
    const m = loaded();
    m.actions.pause();
    m.actions.receiveTrace(makeTrace({ seq: 4 }));
    m.actions.receiveTrace(makeTrace({ seq: 3, duration_ms: 900 }));
    m.actions.resume();
    expect(m.paused.value).toBeNull();
    expect(ids(m.visible.value)).toEqual(['trace-4', 'trace-3', 'trace-2']);
    expect(m.visible.value[1]).toMatchObject({ running: false, duration_ms: 900 });
    expect([...m.fresh.value]).toEqual(['trace-4:root-4']);
    expect(m.heldCount.value).toBe(0);
  });

  it('a clear (a new generation) empties the view and ends the pause', () => {
    const m = loaded();
    m.actions.pause();
    m.actions.receiveTrace(makeTrace({ seq: 4 }));
    m.actions.resetForGeneration(2);
    expect(m.paused.value).toBeNull();
    expect(m.visible.value).toEqual([]);
    expect(m.held.value.size).toBe(0);
  });

  it('loading older pauses, starts at the oldest cursor shown and appends beyond the cap without duplicates', () => {
    const m = loaded();
    const request = m.actions.startOlder()!;
    expect(request).toMatchObject({ before: makeTrace({ seq: 1 }).cursor, pipeline: null });
    expect(m.paused.value!.older.status).toBe('loading');
    expect(m.actions.startOlder()).toBeNull();
    const page = makePage([makeTrace({ seq: 1 }), makeTrace({ seq: 0 }), makeTrace({ seq: -1 })], {
      next_before_seq: makeTrace({ seq: -1 }).cursor, has_more: true,
    });
    expect(m.actions.receiveOlderPage(request, page)).toBe('merged');
    expect(ids(m.visible.value)).toEqual(['trace-3', 'trace-2', 'trace-1', 'trace-0', 'trace--1']);
    expect(m.stats.value.count).toBe(5);
    expect(m.pipelines.value.find((p) => p.name === 'upper')!.count).toBe(5);
    expect(m.paused.value!.older).toEqual({ before: makeTrace({ seq: -1 }).cursor, status: 'idle', error: null });
    m.actions.receiveTrace(makeTrace({ seq: 4 }));
    expect(m.visible.value).toHaveLength(5);
    expect(m.actions.startOlder()!.before).toBe(makeTrace({ seq: -1 }).cursor);
  });

  it('has_more false ends the older pages', () => {
    const m = loaded();
    const request = m.actions.startOlder()!;
    m.actions.receiveOlderPage(request, makePage([makeTrace({ seq: 0 })], { has_more: false, next_before_seq: makeTrace({ seq: 0 }).cursor }));
    expect(m.paused.value!.older.status).toBe('done');
    expect(m.actions.startOlder()).toBeNull();
  });

  it('an older page for a view since resumed is ignored; a failure shows on the view it was for', () => {
    const m = loaded();
    const first = m.actions.startOlder()!;
    m.actions.resume();
    expect(m.actions.receiveOlderPage(first, makePage([makeTrace({ seq: 0 })]))).toBe('stale');
    expect(ids(m.visible.value)).toEqual(['trace-3', 'trace-2', 'trace-1']);
    const second = m.actions.startOlder()!;
    m.actions.olderFailed(second, 'HTTP 503: busy');
    expect(m.paused.value!.older).toMatchObject({ status: 'failed', error: 'HTTP 503: busy' });
    expect(m.actions.startOlder()).not.toBeNull();
  });

  it('an older page of another generation resets like any page', () => {
    const m = loaded();
    const request = m.actions.startOlder()!;
    expect(m.actions.receiveOlderPage(request, makePage([makeTrace({ seq: 0 })], { generation: 7 }))).toBe('generation-changed');
    expect(m.paused.value).toBeNull();
    expect(m.traces.value).toEqual([]);
  });

  it('a filter chosen while paused stays paused: its pipeline as the server answers, then held still', () => {
    const m = loaded();
    m.actions.pause();
    m.actions.receiveTrace(makeTrace({ seq: 4, entrypoint: 'chat' }));
    m.actions.setFilter('chat');
    expect(m.paused.value).not.toBeNull();
    expect(m.scopeTraces.value).toEqual([]);
    expect(m.heldCount.value).toBe(1);
    const chat = makeTrace({ seq: 0, entrypoint: 'chat' });
    m.actions.receiveScopePage('chat', makePage([makeTrace({ seq: 4, entrypoint: 'chat' }), chat]), 100);
    expect(ids(m.visible.value)).toEqual(['trace-4', 'trace-0']);
    expect(m.heldCount.value).toBe(0);
    m.actions.receiveTrace(makeTrace({ seq: 5, entrypoint: 'chat' }));
    m.actions.receiveTrace(makeTrace({ seq: 6, entrypoint: 'upper' }));
    expect(ids(m.visible.value)).toEqual(['trace-4', 'trace-0']);
    expect(m.heldCount.value).toBe(1);
    const request = m.actions.startOlder()!;
    expect(request).toMatchObject({ pipeline: 'chat', before: chat.cursor });
  });
});
