// Test data builders (used by *.test.ts only).
import type { Span, Trace, TracePage } from '../types';

let counter = 0;

export function makeSpan(overrides: Partial<Span> = {}): Span {
  counter += 1;
  return {
    span_id: `span-${counter}`,
    name: 'haystack.pipeline.run',
    start_time_ms: 1000,
    duration_ms: 100,
    running: false,
    tags: [],
    children: [],
    ...overrides,
  };
}

export function makeTrace(overrides: Partial<Trace> & { seq?: number } = {}): Trace {
  counter += 1;
  const { seq, ...rest } = overrides;
  const s = seq ?? counter;
  const start = rest.start_time_ms ?? 1_700_000_000_000 + s * 1000;
  const duration = rest.duration_ms ?? 100;
  return {
    trace_id: `trace-${s}`,
    cursor: `${1_700_000_000_000 + s}-0`,
    start_time_ms: start,
    duration_ms: duration,
    entrypoint: 'upper',
    kind: 'run',
    status: 'ok',
    running: false,
    streaming: false,
    worker: 'host:1',
    tags: [{ key: 'hayhooks.transport', value: 'http' }],
    span_count: 1,
    error: null,
    slowest_component: null,
    usage: null,
    root_span: makeSpan({ name: 'hayhooks.pipeline.run', start_time_ms: start, duration_ms: duration }),
    ...rest,
  };
}

export function makePage(traces: Trace[], overrides: Partial<TracePage> = {}): TracePage {
  return { traces, next_after_seq: traces[0]?.cursor ?? null, has_more: false, generation: 1, ...overrides };
}
