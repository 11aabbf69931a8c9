#!/usr/bin/env node
// Fake dashboard API for manual checks (no dependencies).
//
//   node dev/fake-api.mjs            # http://127.0.0.1:8787/dashboard/
//
// Environment:
//   PORT=8787  PREFIX=/dashboard  (e.g. PREFIX=/x/dashboard to test a root path)
//   RATE_MS=2000 (new trace every RATE_MS, 0 = none)   SEED=12 (initial traces)
//   STORE=redis|memory  WORKERS=3  CONSISTENT=1  DEGRADED=0
//   STREAM=1 (0 disables SSE: the client must poll)   TOKEN= (set to require login)
//   LIST_CAP=100 FETCH_LIMIT=50 FRESH_MS=6000 POLL_MS=2500 BURST=0 (traces added at once every 10 s)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = (k, d) => process.env[k] ?? d;
const PORT = Number(env('PORT', 8787));
const PREFIX = env('PREFIX', '/dashboard').replace(/\/+$/, '');
const API = `${PREFIX}/api`;
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const RATE_MS = Number(env('RATE_MS', 2000));
const SEED = Number(env('SEED', 12));
const STORE = env('STORE', 'redis');
const WORKERS = Array.from({ length: Number(env('WORKERS', 3)) }, (_, i) => `api-host:${4242 + i}`);
const CONSISTENT = env('CONSISTENT', '1') === '1';
const DEGRADED = env('DEGRADED', '0') === '1';
const STREAM = env('STREAM', '1') === '1';
const TOKEN = env('TOKEN', '');
const BURST = Number(env('BURST', 0));
const CONFIG = {
  poll_ms: Number(env('POLL_MS', 2500)),
  list_cap: Number(env('LIST_CAP', 100)),
  fetch_limit: Number(env('FETCH_LIMIT', 50)),
  max_limit: Number(env('MAX_LIMIT', 500)),
  fresh_ms: Number(env('FRESH_MS', 6000)),
  slow_component_min_duration_ms: 1000,
};
const CAPACITY = 200;

// ---- store: an append-only log of records, like a Redis stream -------------
let generation = 1;
let log = []; // records, oldest first
let lastMs = 0;
let lastSeq = 0;
let dropped = 0;
const clients = new Set();
let outageUntil = 0;

function nextCursor() {
  const now = Date.now();
  if (now > lastMs) { lastMs = now; lastSeq = 0; } else { lastSeq += 1; }
  return `${lastMs}-${lastSeq}`;
}

const cmp = (a, b) => {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? (as < bs ? -1 : as > bs ? 1 : 0) : am < bm ? -1 : 1;
};

function append(trace) {
  const record = { ...trace, cursor: nextCursor() };
  log.push(record);
  const ids = new Set(log.map((r) => r.trace_id));
  while (ids.size > CAPACITY) {
    const gone = log.shift();
    if (!log.some((r) => r.trace_id === gone.trace_id)) { ids.delete(gone.trace_id); dropped += 1; }
  }
  for (const client of clients) sendEvent(client, 'trace', record, record.cursor);
  return record;
}

/** Latest record per operation (trace_id + root span id) among `records`, newest first. */
function latest(records) {
  const byId = new Map();
  for (const r of records) byId.set(`${r.trace_id}:${r.root_span.span_id}`, r);
  return [...byId.values()].sort((a, b) => cmp(b.cursor, a.cursor));
}

/** The `limit` operations just older than `before`, newest first (the newest record of each, as the server does). */
function olderPage(records, limit, before) {
  const older = latest(records.filter((r) => cmp(r.cursor, before) < 0));
  const traces = older.slice(0, limit);
  const next = traces.length ? traces[traces.length - 1].cursor : before;
  return { traces, next_after_seq: null, next_before_seq: next, has_more: older.length > limit, generation };
}

function page({ limit = 50, after_seq: after, before_seq: before, entrypoint }) {
  limit = Math.max(1, Math.min(CONFIG.max_limit, Number(limit) || 50));
  let records = entrypoint ? log.filter((r) => r.entrypoint === entrypoint) : log;
  if (before) return olderPage(records, limit, before);
  let traces;
  let hasMore = false;
  if (after) {
    const newer = records.filter((r) => cmp(r.cursor, after) > 0); // oldest first
    hasMore = newer.length > limit;
    traces = newer.slice(0, limit);
  } else {
    traces = latest(records).slice(0, limit);
  }
  const lastCursor = traces.reduce((m, r) => (m === null || cmp(r.cursor, m) > 0 ? r.cursor : m), after ?? null)
    ?? (log.length ? log[log.length - 1].cursor : `${Date.now()}-0`);
  return { traces: latest(traces), next_after_seq: lastCursor, has_more: hasMore, generation };
}

// ---- trace generation -------------------------------------------------------
const hex = (n) => randomBytes(n).toString('hex');
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const tag = (key, value) => ({ key, value: String(value) });

function span(name, start, duration, tags = [], children = [], running = false) {
  return { span_id: hex(8), name, start_time_ms: start, duration_ms: running ? 0 : duration, running, tags, children };
}

function component(name, type, start, duration, running = false) {
  return span('haystack.component.run', start, duration, [tag('haystack.component.name', name), tag('haystack.component.type', type)], [], running);
}

const PIPELINES = {
  upper: [['upper', 'Upper', 0.3], ['exclaim', 'Exclaim', 0.6]],
  rag: [['embedder', 'SentenceTransformersTextEmbedder', 18], ['retriever', 'InMemoryEmbeddingRetriever', 9], ['prompt_builder', 'PromptBuilder', 0.8], ['llm', 'OpenAIGenerator', 420]],
  chat: [['prompt_builder', 'ChatPromptBuilder', 0.5], ['llm', 'OpenAIChatGenerator', 640]],
};

function makeTrace({ kind, pipeline, fail = false, running = false, slow = false, startMs = Date.now(), streaming = false, transport }) {
  const traceId = hex(16);
  const comps = PIPELINES[pipeline] ?? PIPELINES.upper;
  let t = startMs + 0.4;
  const children = [];
  let slowest = null;
  comps.forEach(([name, type, base], i) => {
    let d = base * (0.6 + Math.random() * 0.8);
    if (slow && i === comps.length - 1) d = 1200 + Math.random() * 900;
    const isRunning = running && i === comps.length - 1;
    children.push(component(name, type, t, d, isRunning));
    if (!isRunning && d >= CONFIG.slow_component_min_duration_ms && (!slowest || d > slowest.duration_ms)) {
      slowest = { span_id: children[children.length - 1].span_id, name, type, duration_ms: d };
    }
    t += d + 0.05;
    if (fail && i === 0) return;
  });
  if (fail) children.splice(1);
  const total = t - startMs + 0.3;
  const rootName = { run: 'hayhooks.pipeline.run', openai: 'hayhooks.openai.chat_completion', deploy: 'hayhooks.pipeline.deploy', undeploy: 'hayhooks.pipeline.undeploy', mcp: 'hayhooks.mcp.call_tool' }[kind];
  const worker = pick(WORKERS);
  const trans = transport ?? { run: 'http', openai: 'openai', deploy: 'startup', undeploy: 'http', mcp: 'mcp' }[kind];
  const errorMessage = "The following component failed to run: Component name: 'upper' Error: boom requested: boom <img src=x onerror=\"window.__xss=1\"><script>alert(1)</script>";
  const baseTags = [
    tag('hayhooks.transport', trans),
    tag('hayhooks.pipeline.name', pipeline),
    ...(kind === 'run' ? [tag('hayhooks.route', `/${pipeline}/run`), tag('hayhooks.payload.values', '["text=str(41)", "api_key=<redacted>"]')] : []),
    ...(running ? [] : [tag('hayhooks.success', String(!fail))]),
    ...(fail ? [tag('hayhooks.error.type', 'PipelineRuntimeError'), tag('hayhooks.error.message', errorMessage)] : []),
    ...(streaming ? [tag('hayhooks.response.streaming', 'true')] : []),
  ];
  const inner = kind === 'deploy' || kind === 'undeploy'
    ? [span('hayhooks.pipeline.load', startMs + 0.2, total * 0.7, [tag('hayhooks.deploy.strategy', 'yaml')])]
    : [span('haystack.pipeline.run', startMs + 0.2, total - 0.4, [tag('haystack.pipeline.max_runs_per_component', '100')], children, running)];
  const root = span(rootName, startMs, total, baseTags, inner, running);
  const count = (s) => 1 + s.children.reduce((n, c) => n + count(c), 0);
  return {
    trace_id: traceId,
    start_time_ms: startMs,
    duration_ms: running ? 0 : total,
    entrypoint: pipeline,
    kind,
    status: running ? 'running' : fail ? 'error' : 'ok',
    running,
    streaming,
    worker,
    tags: baseTags,
    span_count: count(root),
    error: fail ? { type: 'PipelineRuntimeError', message: errorMessage, stack: `Traceback (most recent call last):\n  File "/app/hayhooks/server/routers/deploy.py", line 212, in run_endpoint\n    result = await pipeline.run_async(data=payload)\n  File "/app/haystack/core/pipeline/async_pipeline.py", line 417, in run_async\n    raise PipelineRuntimeError.from_exception(name, type(comp), e)\nhaystack.core.errors.PipelineRuntimeError: ${errorMessage}` } : null,
    slowest_component: running ? null : slowest,
    usage: kind === 'openai' || pipeline === 'chat' ? { prompt_tokens: 120 + Math.floor(Math.random() * 300), completion_tokens: 40 + Math.floor(Math.random() * 200), total_tokens: null } : null,
    root_span: root,
  };
}

function finish(trace, fail = false) {
  const done = makeTrace({ kind: trace.kind, pipeline: trace.entrypoint, fail, startMs: trace.start_time_ms, streaming: trace.streaming, slow: Math.random() < 0.5 });
  done.trace_id = trace.trace_id;
  // the final record is the same operation as the running snapshot: same root span
  done.root_span.span_id = trace.root_span.span_id;
  done.worker = trace.worker;
  if (done.usage) done.usage.total_tokens = done.usage.prompt_tokens + done.usage.completion_tokens;
  return done;
}

function randomTrace() {
  const r = Math.random();
  if (r < 0.4) return makeTrace({ kind: 'run', pipeline: pick(['upper', 'rag']), fail: Math.random() < 0.15, slow: Math.random() < 0.2 });
  if (r < 0.65) return makeTrace({ kind: 'openai', pipeline: 'chat', streaming: Math.random() < 0.6 });
  if (r < 0.8) return makeTrace({ kind: 'mcp', pipeline: 'rag' });
  if (r < 0.9) return makeTrace({ kind: 'run', pipeline: 'rag', running: true });
  return makeTrace({ kind: pick(['deploy', 'undeploy']), pipeline: pick(['upper', 'chat']) });
}

function addLive(trace) {
  const rec = append(trace);
  if (trace.running) setTimeout(() => append(finish(rec, Math.random() < 0.3)), 2500 + Math.random() * 4000);
}

function seed() {
  const now = Date.now();
  const plan = [
    { kind: 'deploy', pipeline: 'chat', transport: 'startup' },
    { kind: 'deploy', pipeline: 'upper', transport: 'startup' },
    { kind: 'deploy', pipeline: 'rag', transport: 'startup' },
    { kind: 'run', pipeline: 'upper' },
    { kind: 'openai', pipeline: 'chat', streaming: true },
    { kind: 'run', pipeline: 'rag', slow: true },
    { kind: 'mcp', pipeline: 'rag' },
    { kind: 'undeploy', pipeline: 'upper' },
    { kind: 'deploy', pipeline: 'upper' },
    { kind: 'openai', pipeline: 'chat' },
    { kind: 'run', pipeline: 'upper', fail: true },
    { kind: 'run', pipeline: 'rag', running: true },
  ].slice(Math.max(0, 12 - SEED));
  plan.forEach((p, i) => {
    const rec = append(makeTrace({ ...p, startMs: now - (plan.length - i) * 9000 }));
    if (p.running) setTimeout(() => append(finish(rec)), 8000);
  });
}

// ---- HTTP -------------------------------------------------------------------
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png' };

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function sendEvent(res, event, data, id) {
  res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

const authed = (req) => !TOKEN || (req.headers.cookie ?? '').split(/;\s*/).includes(`hh_dash=${TOKEN}`);

async function readBody(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  try { return JSON.parse(body || '{}'); } catch { return {}; }
}

async function serveStatic(res, rel) {
  const file = normalize(join(DIST, rel || 'index.html'));
  if (!file.startsWith(DIST)) return json(res, 404, { detail: 'not found' });
  try {
    const st = await stat(file);
    const path = st.isDirectory() ? join(file, 'index.html') : file;
    res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
    res.end(await readFile(path));
  } catch {
    json(res, 404, { detail: `not found: ${rel} (did you run npm run build?)` });
  }
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const path = url.pathname;
  const q = Object.fromEntries(url.searchParams);
  if (path === PREFIX) {
    // NO_REDIRECT=1 serves the page without the trailing slash (the page then fixes its own URL).
    if (env('NO_REDIRECT', '0') === '1') return serveStatic(res, 'index.html');
    res.writeHead(307, { Location: `${PREFIX}/` });
    return res.end();
  }
  if (!path.startsWith(API)) {
    if (path.startsWith(`${PREFIX}/`)) return serveStatic(res, path.slice(PREFIX.length + 1));
    return json(res, 404, { detail: 'not found' });
  }
  const route = path.slice(API.length);
  // Test hook: simulate the server going away for `ms` (connections are dropped).
  if (route === '/__outage' && req.method === 'POST') {
    outageUntil = Date.now() + Number(q.ms ?? 10000);
    for (const client of clients) client.destroy();
    clients.clear();
    return json(res, 200, { ok: true, until: outageUntil });
  }
  if (Date.now() < outageUntil) return req.socket.destroy();
  if (route === '/login' && req.method === 'POST') {
    const { token } = await readBody(req);
    if (TOKEN && token !== TOKEN) return json(res, 401, { detail: 'Invalid dashboard token' });
    res.writeHead(204, { 'Set-Cookie': `hh_dash=${TOKEN}; HttpOnly; SameSite=Strict; Path=${API}` });
    return res.end();
  }
  if (!authed(req)) return json(res, 401, { detail: 'Dashboard token required' });
  if (route === '/config') {
    return json(res, 200, {
      ...CONFIG, api_base: API, stream_enabled: STREAM, store: STORE, consistent: CONSISTENT, degraded: DEGRADED, generation,
      workers: WORKERS, configured_workers: WORKERS.length, this_worker: WORKERS[0],
      stats: { stored: new Set(log.map((r) => r.trace_id)).size, capacity: CAPACITY, dropped, stragglers: 0, pending: 0 },
    });
  }
  if (route === '/entrypoints') return json(res, 200, {
    entrypoints: ['chat', 'rag', 'upper'],
    examples: { chat: { question: 'hello' }, rag: { query: "what's new?" }, upper: { text: 'hello' } },
  });
  if (route === '/traces' && req.method === 'GET') {
    if (q.after_seq && q.before_seq) {
      return json(res, 422, { detail: 'give after_seq (newer traces) or before_seq (older traces), not both' });
    }
    const body = page(q);
    return json(res, 200, body, { 'X-Hayhooks-Trace-Cursor': body.next_after_seq ?? '' });
  }
  if (route === '/traces/clear' && req.method === 'POST') {
    const n = new Set(log.map((r) => r.trace_id)).size;
    log = [];
    generation += 1;
    for (const client of clients) sendEvent(client, 'clear', { generation });
    return json(res, 200, { ok: true, message: `Cleared ${n} traces`, generation });
  }
  if (route === '/traces/stream') {
    if (!STREAM) return json(res, 404, { detail: 'stream disabled' });
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const after = req.headers['last-event-id'] || q.after_seq;
    sendEvent(res, 'snapshot', page({ limit: CONFIG.fetch_limit, after_seq: after }));
    clients.add(res);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), 15000);
    req.on('close', () => { clients.delete(res); clearInterval(keepalive); });
    return;
  }
  json(res, 404, { detail: `no route ${req.method} ${route}` });
});

seed();
if (RATE_MS > 0) setInterval(() => addLive(randomTrace()), RATE_MS);
if (BURST > 0) setInterval(() => { for (let i = 0; i < BURST; i += 1) addLive(randomTrace()); }, 10000);
server.listen(PORT, '127.0.0.1', () => {
  console.log(`fake API on http://127.0.0.1:${PORT}${PREFIX}/ (api ${API}, stream ${STREAM ? 'on' : 'off'}${TOKEN ? ', token required' : ''})`);
});
