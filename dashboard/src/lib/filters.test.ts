import { describe, expect, it } from 'vitest';
import { makeSpan, makeTrace } from '../test/fixtures';
import { DEFAULT_CONFIG } from './normalize';
import {
  describeCount, filterTraces, loadedIsComplete, matchesSearch, NO_PIPELINE, pipelineCounts, scopeOf, sortTraces, type PipelineCount,
} from './filters';

const upper = makeTrace({ seq: 1, entrypoint: 'upper', duration_ms: 50 });
const chat = makeTrace({
  seq: 2,
  entrypoint: 'chat',
  kind: 'openai',
  duration_ms: 900,
  tags: [{ key: 'hayhooks.transport', value: 'openai' }, { key: 'hayhooks.route', value: '/v1/chat/completions' }],
});
const failed = makeTrace({
  seq: 3,
  entrypoint: 'upper',
  status: 'error',
  duration_ms: 10,
  error: { type: 'PipelineRuntimeError', message: 'boom <img src=x>', stack: 'Traceback: in exclaim.py' },
});
const nested = makeTrace({
  seq: 4,
  entrypoint: null,
  kind: 'deploy',
  duration_ms: 300,
  root_span: makeSpan({ children: [makeSpan({ name: 'haystack.component.run', tags: [{ key: 'haystack.component.name', value: 'Retriever_X' }] })] }),
});
const all = [upper, chat, failed, nested];

describe('filterTraces', () => {
  it('filters by pipeline; null means all', () => {
    expect(filterTraces(all, null, '')).toHaveLength(4);
    expect(filterTraces(all, 'upper', '').map((t) => t.trace_id)).toEqual(['trace-1', 'trace-3']);
    expect(filterTraces(all, NO_PIPELINE, '').map((t) => t.trace_id)).toEqual(['trace-4']);
  });

  it('searches trace id, tag values, error text, pipeline name and span tags, case-insensitively', () => {
    expect(filterTraces(all, null, 'TRACE-2').map((t) => t.trace_id)).toEqual(['trace-2']);
    expect(filterTraces(all, null, '/v1/chat').map((t) => t.trace_id)).toEqual(['trace-2']);
    expect(filterTraces(all, null, 'runtimeerror').map((t) => t.trace_id)).toEqual(['trace-3']);
    expect(filterTraces(all, null, '<img').map((t) => t.trace_id)).toEqual(['trace-3']);
    expect(filterTraces(all, null, 'exclaim.py').map((t) => t.trace_id)).toEqual(['trace-3']);
    expect(filterTraces(all, null, 'chat').map((t) => t.trace_id)).toEqual(['trace-2']);
    expect(filterTraces(all, null, 'retriever_x').map((t) => t.trace_id)).toEqual(['trace-4']);
  });

  it('requires every term and combines with the pipeline filter', () => {
    expect(matchesSearch(failed, 'upper boom')).toBe(true);
    expect(matchesSearch(failed, 'upper nothing')).toBe(false);
    expect(matchesSearch(failed, '   ')).toBe(true);
    expect(filterTraces(all, 'chat', 'boom')).toEqual([]);
  });
});

describe('pipelineCounts', () => {
  it('counts traces and failures per pipeline and lists deployed ones with zero', () => {
    const rows = pipelineCounts(all, ['upper', 'rag']);
    const loaded = { source: 'loaded', more: false };
    expect(rows).toEqual([
      { name: 'chat', count: 1, failures: 0, deployed: false, ...loaded },
      { name: 'rag', count: 0, failures: 0, deployed: true, ...loaded },
      { name: 'upper', count: 2, failures: 1, deployed: true, ...loaded },
      { name: NO_PIPELINE, count: 1, failures: 0, deployed: false, ...loaded },
    ]);
  });

  it("counts the pipeline filtered on from the server's answer once it came, not from the loaded traces", () => {
    const older = [makeTrace({ seq: 20, entrypoint: 'rag', status: 'error' }), makeTrace({ seq: 21, entrypoint: 'rag' })];
    const loading = pipelineCounts(all, ['upper', 'rag'], { pipeline: 'rag', traces: [], status: 'loading', more: false });
    expect(loading.find((r) => r.name === 'rag')).toMatchObject({ count: 0, source: 'loaded' });
    const rows = pipelineCounts(all, ['upper', 'rag'], { pipeline: 'rag', traces: older, status: 'loaded', more: true });
    expect(rows.find((r) => r.name === 'rag')).toEqual({ name: 'rag', count: 2, failures: 1, deployed: true, source: 'store', more: true });
    expect(rows.find((r) => r.name === 'upper')).toMatchObject({ count: 2, source: 'loaded' });
  });

  it('reads every named pipeline from the server, not the traces without one', () => {
    expect(scopeOf('rag')).toBe('rag');
    expect(scopeOf(null)).toBeNull();
    expect(scopeOf(NO_PIPELINE)).toBeNull();
  });
});

describe('what a count says', () => {
  const row = (count: number, more = false, source: PipelineCount['source'] = 'loaded'): PipelineCount =>
    ({ name: 'greet', count, failures: 0, deployed: true, source, more });

  it('the loaded traces are all the store holds: plain counts, 0 included', () => {
    const config = { ...DEFAULT_CONFIG, stats: { stored: 40, capacity: 200, dropped: 0, stragglers: 0, pending: 0 } };
    expect(loadedIsComplete(40, config)).toBe(true);
    expect(describeCount(row(0), true, 40)).toEqual({ text: '0', label: '0 traces' });
    expect(describeCount(row(1), true, 40)).toEqual({ text: '1', label: '1 trace' });
  });

  it('the store holds more than the browser: counts say they count the loaded traces, and never claim 0', () => {
    const config = { ...DEFAULT_CONFIG, list_cap: 100, stats: { stored: 200, capacity: 200, dropped: 0, stragglers: 0, pending: 0 } };
    expect(loadedIsComplete(100, config)).toBe(false);
    expect(describeCount(row(0), false, 100)).toEqual({ text: '–', label: 'none among the 100 newest traces loaded: filter on it to read the store' });
    expect(describeCount(row(7), false, 100)).toEqual({ text: '7', label: '7 traces among the 100 newest traces loaded' });
    // Paused, the list may hold older pages too: it counts the traces shown, not "the newest".
    expect(describeCount(row(7), false, 120, true)).toEqual({ text: '7', label: '7 traces among the 120 traces shown' });
  });

  it('without store stats, the list is complete while below its cap', () => {
    expect(loadedIsComplete(99, { list_cap: 100, stats: null })).toBe(true);
    expect(loadedIsComplete(100, { list_cap: 100, stats: null })).toBe(false);
  });

  it("the server's answer for the pipeline filtered on: its count, with + when the store may hold more", () => {
    expect(describeCount(row(3, false, 'store'), false, 100)).toEqual({ text: '3', label: '3 traces in the store' });
    expect(describeCount(row(0, false, 'store'), false, 100)).toEqual({ text: '0', label: '0 traces in the store' });
    expect(describeCount(row(100, true, 'store'), false, 100)).toEqual({ text: '100+', label: '100 traces or more in the store' });
  });
});

describe('sortTraces', () => {
  it('sorts newest first or slowest first without mutating', () => {
    const input = [upper, failed, chat, nested];
    expect(sortTraces(input, 'newest').map((t) => t.trace_id)).toEqual(['trace-4', 'trace-3', 'trace-2', 'trace-1']);
    expect(sortTraces(input, 'slowest').map((t) => t.trace_id)).toEqual(['trace-2', 'trace-4', 'trace-1', 'trace-3']);
    expect(input.map((t) => t.trace_id)).toEqual(['trace-1', 'trace-3', 'trace-2', 'trace-4']);
  });

  it('breaks duration ties by newest', () => {
    const a = makeTrace({ seq: 10, duration_ms: 5 });
    const b = makeTrace({ seq: 11, duration_ms: 5 });
    expect(sortTraces([a, b], 'slowest').map((t) => t.trace_id)).toEqual(['trace-11', 'trace-10']);
  });
});
