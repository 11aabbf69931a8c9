import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, CURSOR_HEADER } from './api';

function respond(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
}

const trace = { trace_id: 't1', cursor: '10-0', start_time_ms: 1, duration_ms: 2, root_span: { span_id: 'r', name: 'x' } };

describe('api', () => {
  it('builds trace URLs under the base and falls back to the cursor header', async () => {
    const fetchMock = vi.fn(async (_url: string) => respond(200, { traces: [trace], has_more: false, generation: 2 }, { [CURSOR_HEADER]: '10-0' }));
    const api = createApi('/x/dashboard/api', fetchMock as unknown as typeof fetch);
    const page = await api.getTraces({ limit: 50, afterSeq: '9-3', entrypoint: 'upper' });
    expect(fetchMock.mock.calls[0]![0]).toBe('/x/dashboard/api/traces?limit=50&after_seq=9-3&entrypoint=upper');
    expect(page.next_after_seq).toBe('10-0');
    expect(page.traces.map((t) => t.trace_id)).toEqual(['t1']);
    expect(page.generation).toBe(2);
  });

  it('asks for older traces with before_seq and reads next_before_seq', async () => {
    const fetchMock = vi.fn(async (_url: string) => respond(200, { traces: [trace], next_before_seq: '10-0', has_more: true, generation: 2 }));
    const api = createApi('/d/api', fetchMock as unknown as typeof fetch);
    const page = await api.getTraces({ limit: 5, beforeSeq: '12-0', entrypoint: 'upper' });
    expect(fetchMock.mock.calls[0]![0]).toBe('/d/api/traces?limit=5&before_seq=12-0&entrypoint=upper');
    expect(page).toMatchObject({ next_before_seq: '10-0', has_more: true });
  });

  it('maps 401 to an unauthorized ApiError carrying the detail', async () => {
    const api = createApi('/d/api', (async () => respond(401, { detail: 'token required' })) as unknown as typeof fetch);
    const error = await api.getConfig().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401, message: 'token required' });
  });

  it('maps network failures and 5xx', async () => {
    const down = createApi('/d/api', (async () => { throw new TypeError('Failed to fetch'); }) as unknown as typeof fetch);
    await expect(down.getEntrypoints()).rejects.toMatchObject({ kind: 'network' });
    const broken = createApi('/d/api', (async () => respond(503, { detail: 'redis down' })) as unknown as typeof fetch);
    await expect(broken.getConfig()).rejects.toMatchObject({ kind: 'http', status: 503, message: 'HTTP 503: redis down' });
  });

  it('login posts the token as JSON; 204 is success and 401 a wrong token', async () => {
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => (JSON.parse(String(init?.body)).token === 'ok' ? respond(204, undefined) : respond(401, { detail: 'bad' })));
    const api = createApi('/d/api', fetchMock as unknown as typeof fetch);
    expect(await api.login('ok')).toBe(true);
    expect(await api.login('nope')).toBe(false);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/d/api/login');
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
  });

  it('clear returns the message and new generation', async () => {
    const fetchMock = vi.fn(async (_url: string) => respond(200, { ok: true, message: 'Cleared 12 traces', generation: 4 }));
    const api = createApi('/d/api', fetchMock as unknown as typeof fetch);
    expect(await api.clearTraces()).toEqual({ message: 'Cleared 12 traces', generation: 4 });
    expect(fetchMock.mock.calls[0]![0]).toBe('/d/api/traces/clear');
  });
});

describe('openStream', () => {
  it('opens an EventSource after the cursor and dispatches snapshot / trace / clear / error', () => {
    type Listener = (e: MessageEvent<string>) => void;
    class FakeEventSource {
      static CLOSED = 2;
      static last: FakeEventSource;
      readyState = 1;
      listeners = new Map<string, Listener>();
      onopen: (() => void) | null = null;
      onerror: (() => void) | null = null;
      closed = false;
      constructor(readonly url: string) {
        FakeEventSource.last = this;
      }
      addEventListener(type: string, fn: Listener) {
        this.listeners.set(type, fn);
      }
      emit(type: string, data: unknown) {
        this.listeners.get(type)!({ data: JSON.stringify(data) } as MessageEvent<string>);
      }
      close() {
        this.closed = true;
      }
    }
    vi.stubGlobal('EventSource', FakeEventSource);
    try {
      const api = createApi('/d/api', vi.fn() as unknown as typeof fetch);
      const seen: string[] = [];
      const handle = api.openStream('10-2', {
        onOpen: () => seen.push('open'),
        onSnapshot: (p) => seen.push(`snapshot:${p.traces.length}:${p.next_after_seq}`),
        onTrace: (t) => seen.push(`trace:${t.trace_id}`),
        onClear: (g) => seen.push(`clear:${g}`),
        onError: (closed) => seen.push(`error:${closed}`),
      });
      const es = FakeEventSource.last;
      expect(es.url).toBe('/d/api/traces/stream?after_seq=10-2');
      es.onopen!();
      es.emit('snapshot', { traces: [trace], next_after_seq: '10-0', has_more: false, generation: 1 });
      es.emit('trace', trace);
      es.emit('trace', { bogus: true });
      es.emit('clear', { generation: 7 });
      es.readyState = FakeEventSource.CLOSED;
      es.onerror!();
      handle.close();
      expect(seen).toEqual(['open', 'snapshot:1:10-0', 'trace:t1', 'clear:7', 'error:true']);
      expect(es.closed).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
