import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, normalizeConfig, normalizeEntrypointList, normalizeEntrypoints, normalizePage, normalizeTrace } from './normalize';

const rawTrace = {
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  cursor: '1732530000000-3',
  start_time_ms: 1732529999812.412,
  duration_ms: 187.532,
  entrypoint: 'upper',
  kind: 'run',
  status: 'ok',
  running: false,
  streaming: false,
  worker: 'myhost:4242',
  tags: [{ key: 'hayhooks.transport', value: 'http' }, { key: 'bad' }, { key: 'n', value: 3 }, 'junk'],
  span_count: 4,
  error: null,
  slowest_component: null,
  usage: null,
  root_span: { span_id: 'a', name: 'hayhooks.pipeline.run', start_time_ms: 1, duration_ms: 2, running: false, tags: [], children: [{ span_id: 'b', name: 'x' }] },
};

describe('normalizeConfig', () => {
  it('keeps valid values', () => {
    const c = normalizeConfig({
      poll_ms: 1000, list_cap: 50, fetch_limit: 20, fresh_ms: 3000, slow_component_min_duration_ms: 500, api_base: '/d/api', dashboard_path: '/d',
      stream_enabled: false, store: 'redis', consistent: false, degraded: true, generation: 3,
      workers: ['h:1', 'h:2', 7], configured_workers: 2, this_worker: 'h:1', stats: { stored: 120, capacity: 200, dropped: 0 },
    });
    expect(c).toMatchObject({
      poll_ms: 1000, list_cap: 50, fetch_limit: 20, fresh_ms: 3000, slow_component_min_duration_ms: 500, api_base: '/d/api', dashboard_path: '/d',
      stream_enabled: false, store: 'redis', consistent: false, degraded: true, generation: 3, workers: ['h:1', 'h:2'], configured_workers: 2, this_worker: 'h:1',
    });
    expect(c.stats).toEqual({ stored: 120, capacity: 200, dropped: 0, stragglers: null, pending: null });
  });

  it('falls back to defaults on garbage and clamps silly numbers', () => {
    expect(normalizeConfig(null)).toEqual(DEFAULT_CONFIG);
    const c = normalizeConfig({ poll_ms: 1, list_cap: -5, fetch_limit: 'x', store: 'mongo', consistent: 'yes', generation: '3' });
    expect(c.poll_ms).toBe(250);
    expect(c.list_cap).toBe(1);
    expect(c.fetch_limit).toBe(50);
    expect(c.store).toBe('memory');
    expect(c.consistent).toBe(true);
    expect(c.generation).toBeNull();
    expect(c.dashboard_path).toBeNull();
    expect(normalizeConfig({ dashboard_path: 'ops' }).dashboard_path).toBeNull();
    expect(normalizeConfig({ dashboard_path: '/' }).dashboard_path).toBeNull();
    expect(normalizeConfig({ dashboard_path: '/ops/traces/' }).dashboard_path).toBe('/ops/traces');
    expect(c.configured_workers).toBeNull();
    expect(normalizeConfig({ configured_workers: 'many' }).configured_workers).toBeNull();
  });

  it('keeps the API\'s largest page, 500 from a server that does not say, and no fetch_limit above it', () => {
    expect(normalizeConfig({ max_limit: 2000, list_cap: 3000 })).toMatchObject({ max_limit: 2000, list_cap: 3000 });
    expect(normalizeConfig({}).max_limit).toBe(500);
    expect(normalizeConfig({ max_limit: 'lots' }).max_limit).toBe(500);
    expect(normalizeConfig({ max_limit: 0 }).max_limit).toBe(1);
    expect(normalizeConfig({ fetch_limit: 800, max_limit: 200 }).fetch_limit).toBe(200);
  });

  it('capturing: false only when the server says so', () => {
    expect(normalizeConfig({ capturing: false }).capturing).toBe(false);
    expect(normalizeConfig({}).capturing).toBe(true);
    expect(normalizeConfig({ capturing: 'no' }).capturing).toBe(true);
  });

  it('keeps the sampling the server reports, its rate within 0..1', () => {
    expect(normalizeConfig({ sampling: { rate: 0.1, description: 'TraceIdRatioBased{0.1}' } }).sampling)
      .toEqual({ rate: 0.1, description: 'TraceIdRatioBased{0.1}' });
    expect(normalizeConfig({ sampling: { rate: 7, description: 3 } }).sampling).toEqual({ rate: 1, description: '' });
    expect(normalizeConfig({ sampling: { rate: 'half' } }).sampling).toEqual({ rate: null, description: '' });
    expect(normalizeConfig({ sampling: 'all' }).sampling).toBeNull();
  });
});

describe('normalizeTrace', () => {
  it('accepts the documented record and drops malformed tags', () => {
    const t = normalizeTrace(rawTrace)!;
    expect(t.trace_id).toBe(rawTrace.trace_id);
    expect(t.duration_ms).toBe(187.532);
    expect(t.tags).toEqual([{ key: 'hayhooks.transport', value: 'http' }, { key: 'n', value: '3' }]);
    expect(t.root_span.children[0]).toMatchObject({ span_id: 'b', name: 'x', duration_ms: 0, children: [], tags: [] });
    // No status (an older server): unknown, not ok.
    expect(t.root_span.status).toBeNull();
    expect(t.root_span.children[0]!.status).toBeNull();
  });

  it("keeps each span's own status, and takes anything else for unknown", () => {
    const root = { ...rawTrace.root_span, status: 'error', children: [{ span_id: 'b', name: 'x', status: 'ok' }, { span_id: 'c', name: 'y', status: 'failed' }] };
    const t = normalizeTrace({ ...rawTrace, root_span: root })!;
    expect([t.root_span.status, ...t.root_span.children.map((c) => c.status)]).toEqual(['error', 'ok', null]);
  });

  it('requires trace_id and a numeric cursor', () => {
    expect(normalizeTrace({ ...rawTrace, trace_id: '' })).toBeNull();
    expect(normalizeTrace({ ...rawTrace, cursor: 'abc' })).toBeNull();
    expect(normalizeTrace('x')).toBeNull();
  });

  it('derives status from running / error and unknown kinds become other', () => {
    expect(normalizeTrace({ ...rawTrace, running: true, status: 'ok' })!.status).toBe('running');
    expect(normalizeTrace({ ...rawTrace, status: 'running' })!.running).toBe(true);
    const failed = normalizeTrace({ ...rawTrace, status: 'ok', error: { type: 'ValueError', message: '<b>x</b>' } })!;
    expect(failed.status).toBe('error');
    expect(failed.error).toEqual({ type: 'ValueError', message: '<b>x</b>', stack: null });
    expect(normalizeTrace({ ...rawTrace, kind: 'weird' })!.kind).toBe('other');
  });

  it('keys a record by its operation: trace_id and root span id', () => {
    expect(normalizeTrace(rawTrace)!.key).toBe('4bf92f3577b34da6a3ce929d0e0e4736:a');
    // same trace id, another operation (another root span): another key
    expect(normalizeTrace({ ...rawTrace, root_span: { ...rawTrace.root_span, span_id: 'b7ad6b7169203331' } })!.key)
      .toBe('4bf92f3577b34da6a3ce929d0e0e4736:b7ad6b7169203331');
    // the running snapshot of an operation has the key of its final record
    expect(normalizeTrace({ ...rawTrace, running: true, status: 'running', cursor: '1-0' })!.key).toBe(normalizeTrace(rawTrace)!.key);
    // no root span, or one without an id: the trace id alone
    expect(normalizeTrace({ ...rawTrace, root_span: null })!.key).toBe(rawTrace.trace_id);
    expect(normalizeTrace({ ...rawTrace, root_span: { ...rawTrace.root_span, span_id: '' } })!.key).toBe(rawTrace.trace_id);
  });

  it('fills a missing total from usage parts', () => {
    const t = normalizeTrace({ ...rawTrace, usage: { prompt_tokens: 12, completion_tokens: 30 } })!;
    expect(t.usage).toEqual({ prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 });
    expect(normalizeTrace({ ...rawTrace, usage: {} })!.usage).toBeNull();
  });
});

describe('normalizePage / entrypoints', () => {
  it('keeps valid traces and the cursor', () => {
    const page = normalizePage({ traces: [rawTrace, { nope: 1 }], next_after_seq: '5-1', has_more: true, generation: 2 });
    expect(page.traces).toHaveLength(1);
    expect(page).toMatchObject({ next_after_seq: '5-1', has_more: true, generation: 2 });
    expect(normalizePage({ next_after_seq: 'bad' })).toEqual({
      traces: [], next_after_seq: null, next_before_seq: null, has_more: false, generation: null,
    });
  });

  it('keeps the cursor of the next older page', () => {
    expect(normalizePage({ traces: [], next_before_seq: '5-0', has_more: true }).next_before_seq).toBe('5-0');
    expect(normalizePage({ traces: [], next_before_seq: 'bad' }).next_before_seq).toBeNull();
  });

  it('keeps each pipeline\'s example body as JSON text, objects only', () => {
    const list = normalizeEntrypointList({
      entrypoints: ['shout', 'greet'],
      examples: { shout: { text: 'hello' }, greet: { name: 'hello', place: 'hello' }, odd: 'text', list: [1], '': {} },
    });
    expect(list.names).toEqual(['greet', 'shout']);
    expect([...list.examples]).toEqual([['shout', '{"text":"hello"}'], ['greet', '{"name":"hello","place":"hello"}']]);
  });

  it('a server that sends no examples gives none', () => {
    expect(normalizeEntrypointList({ entrypoints: ['shout'] })).toEqual({ names: ['shout'], examples: new Map() });
    expect(normalizeEntrypointList({ entrypoints: ['shout'], examples: null }).examples.size).toBe(0);
  });

  it('dedupes and sorts entrypoints', () => {
    expect(normalizeEntrypoints({ entrypoints: ['upper', 'chat', 'upper', 3, ''] })).toEqual(['chat', 'upper']);
    expect(normalizeEntrypoints([])).toEqual([]);
  });
});
