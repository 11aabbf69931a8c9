// The only module that talks to the network (fetch + EventSource).
// Everything returned is already validated by lib/normalize.ts.
import type { DashboardConfig, EntrypointList, Trace, TracePage } from './types';
import { apiUrl } from './lib/apiBase';
import { isCursor } from './lib/cursor';
import { isObj, normalizeConfig, normalizeEntrypointList, normalizePage, normalizeTrace } from './lib/normalize';

export type ApiErrorKind = 'unauthorized' | 'network' | 'http';

export class ApiError extends Error {
  constructor(readonly kind: ApiErrorKind, readonly status: number | null, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export const isUnauthorized = (e: unknown): boolean => e instanceof ApiError && e.kind === 'unauthorized';

/** `afterSeq`: newer traces than a cursor; `beforeSeq`: older ones (the server refuses both at once). */
export type TraceQuery = {
  limit: number; afterSeq?: string | null; beforeSeq?: string | null; sinceMs?: number | null; entrypoint?: string | null;
};

export type StreamHandlers = {
  onOpen(): void;
  onSnapshot(page: TracePage): void;
  onTrace(trace: Trace): void;
  onClear(generation: number | null): void;
  /** `closed` is true when the browser gave up reconnecting (e.g. HTTP error status). */
  onError(closed: boolean): void;
};

export type StreamHandle = { close(): void };

export type Api = {
  base: string;
  getConfig(): Promise<DashboardConfig>;
  getEntrypoints(): Promise<EntrypointList>;
  getTraces(query: TraceQuery): Promise<TracePage>;
  clearTraces(): Promise<{ message: string; generation: number | null }>;
  /** Resolves true when accepted, false on a wrong token. */
  login(token: string): Promise<boolean>;
  openStream(afterSeq: string | null, handlers: StreamHandlers): StreamHandle;
  streamSupported(): boolean;
};

const REQUEST_TIMEOUT_MS = 15_000;
export const CURSOR_HEADER = 'X-Hayhooks-Trace-Cursor';

function parseJson(text: string): unknown {
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

export function createApi(base: string, fetchImpl: typeof fetch = (...a) => fetch(...a)): Api {
  async function request(path: string, init: RequestInit = {}, params: Record<string, string | number | null | undefined> = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    let response: Response;
    try {
      response = await fetchImpl(apiUrl(base, path, params), {
        credentials: 'same-origin',
        cache: 'no-store',
        ...init,
        headers: { Accept: 'application/json', ...(init.headers ?? {}) },
        signal: controller.signal,
      });
    } catch (e) {
      throw new ApiError('network', null, e instanceof Error ? e.message : 'Network error');
    } finally {
      clearTimeout(timer);
    }
    const body = parseJson(await response.text().catch(() => ''));
    if (response.status === 401) {
      const detail = isObj(body) && typeof body.detail === 'string' ? body.detail : 'Authentication required';
      throw new ApiError('unauthorized', 401, detail);
    }
    if (!response.ok) {
      const detail = isObj(body) && typeof body.detail === 'string' ? body.detail : response.statusText;
      throw new ApiError('http', response.status, `HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
    }
    return { body, headers: response.headers };
  }

  return {
    base,
    async getConfig() {
      return normalizeConfig((await request('/config')).body);
    },
    async getEntrypoints() {
      return normalizeEntrypointList((await request('/entrypoints')).body);
    },
    async getTraces(query) {
      const { body, headers } = await request('/traces', {}, {
        limit: query.limit,
        after_seq: query.afterSeq,
        before_seq: query.beforeSeq,
        since_ms: query.sinceMs,
        entrypoint: query.entrypoint,
      });
      const page = normalizePage(body);
      const headerCursor = headers.get(CURSOR_HEADER);
      if (page.next_after_seq === null && isCursor(headerCursor)) page.next_after_seq = headerCursor;
      return page;
    },
    async clearTraces() {
      const { body } = await request('/traces/clear', { method: 'POST' });
      const obj = isObj(body) ? body : {};
      return {
        message: typeof obj.message === 'string' ? obj.message : 'Traces cleared',
        generation: typeof obj.generation === 'number' ? obj.generation : null,
      };
    },
    async login(token) {
      try {
        await request('/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ token }),
        });
        return true;
      } catch (e) {
        if (isUnauthorized(e)) return false;
        throw e;
      }
    },
    streamSupported() {
      return typeof EventSource !== 'undefined';
    },
    openStream(afterSeq, handlers) {
      const source = new EventSource(apiUrl(base, '/traces/stream', { after_seq: afterSeq }));
      const data = (event: Event) => parseJson((event as MessageEvent<string>).data);
      source.onopen = () => handlers.onOpen();
      source.addEventListener('snapshot', (e) => handlers.onSnapshot(normalizePage(data(e))));
      source.addEventListener('trace', (e) => {
        const trace = normalizeTrace(data(e));
        if (trace !== null) handlers.onTrace(trace);
      });
      source.addEventListener('clear', (e) => {
        const body = data(e);
        handlers.onClear(isObj(body) && typeof body.generation === 'number' ? body.generation : null);
      });
      source.onerror = () => handlers.onError(source.readyState === EventSource.CLOSED);
      return { close: () => source.close() };
    },
  };
}
