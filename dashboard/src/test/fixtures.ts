// Test data builders (used by *.test.ts only).
import type { Span, Trace, TracePage } from '../types';
import { traceKey } from '../lib/normalize';

let counter = 0;

export function makeSpan(overrides: Partial<Span> = {}): Span {
  counter += 1;
  return {
    span_id: `span-${counter}`,
    name: 'haystack.pipeline.run',
    start_time_ms: 1000,
    duration_ms: 100,
    running: false,
    status: null,
    tags: [],
    children: [],
    ...overrides,
  };
}

/**
 * A trace record. Records built with the same `seq` are the same operation
 * (same trace_id and root span id, hence the same `key`); `key` follows the
 * `trace_id` and `root_span` overrides unless given itself.
 */
export function makeTrace(overrides: Partial<Trace> & { seq?: number } = {}): Trace {
  counter += 1;
  const { seq, ...rest } = overrides;
  const s = seq ?? counter;
  const start = rest.start_time_ms ?? 1_700_000_000_000 + s * 1000;
  const duration = rest.duration_ms ?? 100;
  const traceId = rest.trace_id ?? `trace-${s}`;
  const root = rest.root_span ?? makeSpan({ span_id: `root-${s}`, name: 'hayhooks.pipeline.run', start_time_ms: start, duration_ms: duration });
  return {
    key: traceKey(traceId, root.span_id),
    trace_id: traceId,
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
    root_span: root,
    ...rest,
  };
}

export function makePage(traces: Trace[], overrides: Partial<TracePage> = {}): TracePage {
  return { traces, next_after_seq: traces[0]?.cursor ?? null, next_before_seq: null, has_more: false, generation: 1, ...overrides };
}
