import { describe, expect, it } from 'vitest';
import { makeSpan, makeTrace } from '../test/fixtures';
import { filterTraces, matchesSearch, NO_PIPELINE, pipelineCounts, sortTraces } from './filters';

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
    expect(rows).toEqual([
      { name: 'chat', count: 1, failures: 0, deployed: false },
      { name: 'rag', count: 0, failures: 0, deployed: true },
      { name: 'upper', count: 2, failures: 1, deployed: true },
      { name: NO_PIPELINE, count: 1, failures: 0, deployed: false },
    ]);
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
