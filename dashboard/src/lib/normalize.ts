// Validation of untrusted JSON from the API into the app's types. Anything
// malformed is dropped or replaced by a safe default; nothing here throws.
import type {
  DashboardConfig, EntrypointList, Sampling, Span, SpanStatus, StoreStats, Tag, Trace, TraceError, TraceKind, TracePage, TraceStatus, Usage, SlowestComponent,
} from '../types';
import { isCursor } from './cursor';

type Obj = Record<string, unknown>;

export const DEFAULT_CONFIG: DashboardConfig = {
  poll_ms: 2500,
  list_cap: 100,
  fetch_limit: 50,
  max_limit: 500,
  fresh_ms: 6000,
  slow_component_min_duration_ms: 1000,
  api_base: null,
  dashboard_path: null,
  stream_enabled: true,
  store: 'memory',
  consistent: true,
  degraded: false,
  capturing: true,
  generation: null,
  workers: [],
  configured_workers: null,
  this_worker: null,
  stats: null,
  sampling: null,
};

const KINDS: readonly TraceKind[] = ['run', 'openai', 'deploy', 'undeploy', 'mcp'];

export function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

/** Integer within [min, max], else the fallback. */
function intIn(value: unknown, min: number, max: number, fallback: number): number {
  const n = num(value);
  if (n === null) return fallback;
  return Math.min(max, Math.max(min, Math.round(n)));
}

function generationOf(value: unknown): number | null {
  const n = num(value);
  return n === null ? null : n;
}

/** A path below the root (`/ops/traces`), without a trailing slash; null for anything else. */
function mountPath(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/')) return null;
  const path = value.replace(/\/+$/, '');
  return path === '' ? null : path;
}

function normalizeStats(raw: unknown): StoreStats | null {
  if (!isObj(raw)) return null;
  return {
    stored: num(raw.stored),
    capacity: num(raw.capacity),
    dropped: num(raw.dropped),
    stragglers: num(raw.stragglers),
    pending: num(raw.pending),
  };
}

export function normalizeConfig(raw: unknown): DashboardConfig {
  if (!isObj(raw)) return { ...DEFAULT_CONFIG };
  const d = DEFAULT_CONFIG;
  const workers = Array.isArray(raw.workers) ? raw.workers.filter((w): w is string => typeof w === 'string') : [];
  const configuredWorkers = num(raw.configured_workers);
  const maxLimit = intIn(raw.max_limit, 1, 100_000, d.max_limit);
  return {
    poll_ms: intIn(raw.poll_ms, 250, 600_000, d.poll_ms),
    list_cap: intIn(raw.list_cap, 1, 100_000, d.list_cap),
    fetch_limit: Math.min(maxLimit, intIn(raw.fetch_limit, 1, 10_000, d.fetch_limit)),
    max_limit: maxLimit,
    fresh_ms: intIn(raw.fresh_ms, 0, 3_600_000, d.fresh_ms),
    slow_component_min_duration_ms: Math.max(0, num(raw.slow_component_min_duration_ms) ?? d.slow_component_min_duration_ms),
    api_base: str(raw.api_base),
    dashboard_path: mountPath(raw.dashboard_path),
    stream_enabled: bool(raw.stream_enabled, d.stream_enabled),
    store: raw.store === 'redis' ? 'redis' : 'memory',
    consistent: bool(raw.consistent, d.consistent),
    degraded: bool(raw.degraded, d.degraded),
    capturing: bool(raw.capturing, d.capturing),
    generation: generationOf(raw.generation),
    workers,
    configured_workers: configuredWorkers === null ? null : Math.max(1, Math.round(configuredWorkers)),
    this_worker: str(raw.this_worker),
    stats: normalizeStats(raw.stats),
    sampling: normalizeSampling(raw.sampling),
  };
}

function normalizeSampling(raw: unknown): Sampling | null {
  if (!isObj(raw)) return null;
  const rate = num(raw.rate);
  return { rate: rate === null ? null : Math.min(1, Math.max(0, rate)), description: str(raw.description) ?? '' };
}

export function normalizeTags(raw: unknown): Tag[] {
  if (!Array.isArray(raw)) return [];
  const tags: Tag[] = [];
  for (const item of raw) {
    if (!isObj(item) || typeof item.key !== 'string' || item.key === '') continue;
    const value = item.value;
    if (value === null || value === undefined) continue;
    tags.push({ key: item.key, value: typeof value === 'string' ? value : JSON.stringify(value) });
  }
  return tags;
}

const MAX_SPAN_DEPTH = 64;
const SPAN_STATUSES: readonly SpanStatus[] = ['ok', 'error', 'running'];

export function normalizeSpan(raw: unknown, depth = 0): Span | null {
  if (!isObj(raw) || depth > MAX_SPAN_DEPTH) return null;
  const children = Array.isArray(raw.children)
    ? raw.children.map((child) => normalizeSpan(child, depth + 1)).filter((s): s is Span => s !== null)
    : [];
  return {
    span_id: str(raw.span_id) ?? '',
    name: str(raw.name) ?? '(unnamed span)',
    start_time_ms: num(raw.start_time_ms) ?? 0,
    duration_ms: Math.max(0, num(raw.duration_ms) ?? 0),
    running: raw.running === true,
    status: SPAN_STATUSES.includes(raw.status as SpanStatus) ? (raw.status as SpanStatus) : null,
    tags: normalizeTags(raw.tags),
    children,
  };
}

function normalizeError(raw: unknown): TraceError | null {
  if (!isObj(raw)) return null;
  const type = str(raw.type) ?? 'Error';
  const message = str(raw.message) ?? '';
  return { type, message, stack: str(raw.stack) };
}

function normalizeSlowest(raw: unknown): SlowestComponent | null {
  if (!isObj(raw)) return null;
  const duration = num(raw.duration_ms);
  if (duration === null) return null;
  return { span_id: str(raw.span_id) ?? '', name: str(raw.name) ?? 'component', type: str(raw.type), duration_ms: duration };
}

function normalizeUsage(raw: unknown): Usage | null {
  if (!isObj(raw)) return null;
  const usage = { prompt_tokens: num(raw.prompt_tokens), completion_tokens: num(raw.completion_tokens), total_tokens: num(raw.total_tokens) };
  if (usage.total_tokens === null && usage.prompt_tokens !== null && usage.completion_tokens !== null) {
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
  }
  return usage.prompt_tokens === null && usage.completion_tokens === null && usage.total_tokens === null ? null : usage;
}

function countSpans(span: Span): number {
  return 1 + span.children.reduce((sum, child) => sum + countSpans(child), 0);
}

/**
 * A record's identity: the operation, i.e. its trace id and its root span id.
 * Several operations can share a trace id (one W3C traceparent sent on several
 * calls); the running snapshot and the final record of one operation share both.
 */
export function traceKey(traceId: string, rootSpanId: string): string {
  return rootSpanId === '' ? traceId : `${traceId}:${rootSpanId}`;
}

/** A valid trace needs a trace_id and a numeric cursor; everything else has defaults. */
export function normalizeTrace(raw: unknown): Trace | null {
  if (!isObj(raw)) return null;
  const traceId = str(raw.trace_id);
  if (traceId === null || traceId === '' || !isCursor(raw.cursor)) return null;
  const running = raw.running === true || raw.status === 'running';
  const error = normalizeError(raw.error);
  const status: TraceStatus = running ? 'running' : raw.status === 'error' || error !== null ? 'error' : 'ok';
  const startMs = num(raw.start_time_ms) ?? 0;
  const durationMs = Math.max(0, num(raw.duration_ms) ?? 0);
  const rawRoot = normalizeSpan(raw.root_span);
  const root = rawRoot ?? {
    span_id: traceId, name: '(no spans)', start_time_ms: startMs, duration_ms: durationMs, running, status: null, tags: [], children: [],
  };
  const kind = KINDS.includes(raw.kind as TraceKind) ? (raw.kind as TraceKind) : 'other';
  return {
    key: traceKey(traceId, rawRoot?.span_id ?? ''),
    trace_id: traceId,
    cursor: raw.cursor,
    start_time_ms: startMs,
    duration_ms: durationMs,
    entrypoint: str(raw.entrypoint) || null,
    kind,
    status,
    running,
    streaming: raw.streaming === true,
    worker: str(raw.worker),
    tags: normalizeTags(raw.tags),
    span_count: num(raw.span_count) ?? countSpans(root),
    error,
    slowest_component: normalizeSlowest(raw.slowest_component),
    usage: normalizeUsage(raw.usage),
    root_span: root,
  };
}

export function normalizePage(raw: unknown): TracePage {
  if (!isObj(raw)) return { traces: [], next_after_seq: null, next_before_seq: null, has_more: false, generation: null };
  const traces = Array.isArray(raw.traces)
    ? raw.traces.map(normalizeTrace).filter((t): t is Trace => t !== null)
    : [];
  return {
    traces,
    next_after_seq: isCursor(raw.next_after_seq) ? raw.next_after_seq : null,
    next_before_seq: isCursor(raw.next_before_seq) ? raw.next_before_seq : null,
    has_more: raw.has_more === true,
    generation: generationOf(raw.generation),
  };
}

export function normalizeEntrypoints(raw: unknown): string[] {
  if (!isObj(raw) || !Array.isArray(raw.entrypoints)) return [];
  return [...new Set(raw.entrypoints.filter((e): e is string => typeof e === 'string' && e !== ''))].sort();
}

/** Each pipeline's example request body, as JSON text; only JSON objects (a run's body is one). None from an older server. */
export function normalizeExamples(raw: unknown): ReadonlyMap<string, string> {
  const examples = new Map<string, string>();
  if (!isObj(raw) || !isObj(raw.examples)) return examples;
  for (const [name, body] of Object.entries(raw.examples)) {
    if (name !== '' && isObj(body)) examples.set(name, JSON.stringify(body));
  }
  return examples;
}

export function normalizeEntrypointList(raw: unknown): EntrypointList {
  return { names: normalizeEntrypoints(raw), examples: normalizeExamples(raw) };
}
