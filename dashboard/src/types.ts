// Shapes of the dashboard JSON API (see README.md, "API contract").
// Everything coming off the wire is validated by `lib/normalize.ts` first, so
// the rest of the app can rely on these types.

export type Tag = { key: string; value: string };

export type TraceKind = 'run' | 'openai' | 'deploy' | 'undeploy' | 'mcp' | 'other';
export type TraceStatus = 'ok' | 'error' | 'running';

/** A span's own outcome: `error` is the span that raised (and each enclosing span the error went through). */
export type SpanStatus = 'ok' | 'error' | 'running';

export type Span = {
  span_id: string;
  name: string;
  start_time_ms: number;
  duration_ms: number;
  running: boolean;
  /** Null from an older server that does not say: unknown, neither ok nor failed. */
  status: SpanStatus | null;
  tags: Tag[];
  children: Span[];
};

export type TraceError = { type: string; message: string; stack: string | null };

export type SlowestComponent = {
  span_id: string;
  name: string;
  type: string | null;
  duration_ms: number;
};

export type Usage = {
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
};

export type Trace = {
  /**
   * The record's identity in the UI: one operation, `${trace_id}:${root_span.span_id}`
   * (just `trace_id` when the root span or its id is missing). Several operations may
   * share a trace_id (a caller propagating one W3C traceparent over several calls);
   * a running snapshot and the final record of one operation share the key.
   */
  key: string;
  trace_id: string;
  cursor: string;
  start_time_ms: number;
  duration_ms: number;
  entrypoint: string | null;
  kind: TraceKind;
  status: TraceStatus;
  running: boolean;
  streaming: boolean;
  worker: string | null;
  tags: Tag[];
  span_count: number;
  error: TraceError | null;
  slowest_component: SlowestComponent | null;
  usage: Usage | null;
  root_span: Span;
};

export type TracePage = {
  traces: Trace[];
  next_after_seq: string | null;
  /** A page of older traces (`before_seq`): where the next older page starts; null otherwise. */
  next_before_seq: string | null;
  /** After `after_seq`: newer traces wait; after `before_seq`: older ones exist. */
  has_more: boolean;
  generation: number | null;
};

export type StoreStats = {
  stored: number | null;
  capacity: number | null;
  dropped: number | null;
  stragglers: number | null;
  pending: number | null;
};

export type DashboardConfig = {
  poll_ms: number;
  /** Most traces the list keeps; it may exceed max_limit, the list then grows past the first page as traces arrive. */
  list_cap: number;
  /** Traces per follow-up page; never above max_limit. */
  fetch_limit: number;
  /** The API's largest page (`limit`): asking for more is a 422. */
  max_limit: number;
  fresh_ms: number;
  slow_component_min_duration_ms: number;
  api_base: string | null;
  /** Where the server mounts the dashboard (`--dashboard-path`, e.g. `/dashboard`); null from a server that does not say. */
  dashboard_path: string | null;
  stream_enabled: boolean;
  store: 'memory' | 'redis';
  consistent: boolean;
  degraded: boolean;
  /** False when the server records no trace at all (OTEL_SDK_DISABLED=true); true from a server that does not say. */
  capturing: boolean;
  generation: number | null;
  workers: string[];
  /** Worker processes this server was started with (HAYHOOKS_WORKERS); null from a server that does not say. */
  configured_workers: number | null;
  this_worker: string | null;
  stats: StoreStats | null;
  /** The tracer's sampler: the share of new traces it keeps (null: it cannot say), and its own description. */
  sampling: Sampling | null;
};

export type Sampling = { rate: number | null; description: string };

/**
 * `/entrypoints`: the deployed pipelines' names, sorted, and for each the server can describe a request body it
 * accepts (JSON text, e.g. `{"text":"hello"}`): the empty list's example command sends it.
 */
export type EntrypointList = { names: string[]; examples: ReadonlyMap<string, string> };

export type SortMode = 'newest' | 'slowest';
export type ThemeName = 'light' | 'dark';
