import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type Api, type StreamHandlers, type TraceQuery } from './api';
import { createModel } from './state';
import { CONFIG_REFRESH_MS, createSync, STREAM_MAX_ERRORS, STREAM_RETRY_MS } from './sync';
import { DEFAULT_CONFIG } from './lib/normalize';
import { makePage, makeTrace } from './test/fixtures';
import type { DashboardConfig, TracePage } from './types';

type FakeApi = Api & {
  queries: TraceQuery[];
  streams: Array<{ afterSeq: string | null; handlers: StreamHandlers; closed: boolean }>;
  config: DashboardConfig;
  pages: (q: TraceQuery) => TracePage;
  failConfig: unknown;
};

function fakeApi(config: Partial<DashboardConfig> = {}): FakeApi {
  const api: FakeApi = {
    base: '/dashboard/api',
    queries: [],
    streams: [],
    config: { ...DEFAULT_CONFIG, poll_ms: 1000, generation: 1, ...config },
    failConfig: null,
    pages: () => makePage([], { generation: 1, next_after_seq: null }),
    async getConfig() {
      if (api.failConfig) throw api.failConfig;
      return api.config;
    },
    async getEntrypoints() {
      return { names: ['upper'], examples: new Map([['upper', '{"text":"hello"}']]) };
    },
    async getTraces(q) {
      api.queries.push(q);
      return api.pages(q);
    },
    async clearTraces() {
      api.config = { ...api.config, generation: 9 };
      api.pages = () => makePage([], { generation: 9, next_after_seq: null });
      return { message: 'Cleared 3 traces', generation: 9 };
    },
    async login(token) {
      return token === 'secret';
    },
    openStream(afterSeq, handlers) {
      const entry = { afterSeq, handlers, closed: false };
      api.streams.push(entry);
      return { close: () => { entry.closed = true; } };
    },
    streamSupported: () => true,
  };
  return api;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** A model and its sync over `api`, started (its first read done). */
async function started(api: Api) {
  const model = createModel();
  const sync = createSync(api, model);
  await sync.start();
  return { model, sync };
}

describe('sync', () => {
  it('loads config, entrypoints and newest traces, then opens the stream after the cursor', async () => {
    const api = fakeApi();
    api.pages = () => makePage([makeTrace({ seq: 2, cursor: '50-1' }), makeTrace({ seq: 1, cursor: '50-0' })], { next_after_seq: '50-1' });
    const { model, sync } = await started(api);
    expect(api.queries[0]).toEqual({ limit: 100 });
    expect(model.traces.value).toHaveLength(2);
    expect(model.entrypoints.value).toEqual(['upper']);
    expect(model.examples.value.get('upper')).toBe('{"text":"hello"}');
    expect(api.streams).toHaveLength(1);
    expect(api.streams[0]!.afterSeq).toBe('50-1');
    api.streams[0]!.handlers.onOpen();
    expect(model.connection.value).toBe('live');
    api.streams[0]!.handlers.onTrace(makeTrace({ seq: 3, cursor: '51-0' }));
    expect(model.traces.value[0]!.trace_id).toBe('trace-3');
    expect(model.cursor.value).toBe('51-0');
    sync.stop();
  });

  it('a list cap above the API\'s largest page: the first read asks for max_limit, and the list grows to the cap live', async () => {
    const api = fakeApi({ list_cap: 5, fetch_limit: 2, max_limit: 3 });
    api.pages = () => makePage([3, 2, 1].map((seq) => makeTrace({ seq, cursor: `80-${seq}` })), { next_after_seq: '80-3' });
    const { model, sync } = await started(api);
    expect(api.queries).toEqual([{ limit: 3 }]);
    expect(model.traces.value).toHaveLength(3);
    api.streams[0]!.handlers.onOpen();
    for (const seq of [4, 5, 6]) api.streams[0]!.handlers.onTrace(makeTrace({ seq, cursor: `80-${seq}` }));
    expect(model.traces.value.map((t) => t.trace_id)).toEqual(['trace-6', 'trace-5', 'trace-4', 'trace-3', 'trace-2']);
    sync.stop();
  });

  it('reads the config again every few seconds, so a store that becomes unreachable shows within them', async () => {
    const api = fakeApi();
    const { model, sync } = await started(api);
    api.streams[0]!.handlers.onOpen();
    api.config = { ...api.config, degraded: true };
    await vi.advanceTimersByTimeAsync(CONFIG_REFRESH_MS);
    expect(CONFIG_REFRESH_MS).toBeLessThanOrEqual(5000);
    expect(model.config.value.degraded).toBe(true);
    sync.stop();
  });

  it('follows has_more right away so a burst bigger than the limit is not lost', async () => {
    const api = fakeApi({ fetch_limit: 2 });
    const burst = [1, 2, 3, 4, 5].map((seq) => makeTrace({ seq, cursor: `60-${seq}` }));
    api.pages = (q) => {
      if (!q.afterSeq) return makePage([], { next_after_seq: '60-0' });
      const after = Number(q.afterSeq.split('-')[1]);
      const rest = burst.filter((t) => Number(t.cursor.split('-')[1]) > after);
      const chunk = rest.slice(0, q.limit);
      return makePage([...chunk].reverse(), { next_after_seq: chunk.at(-1)?.cursor ?? q.afterSeq, has_more: rest.length > q.limit });
    };
    const { model, sync } = await started(api);
    api.streams[0]!.handlers.onSnapshot(makePage([], { next_after_seq: '60-0', has_more: true }));
    await flush();
    expect(api.queries.slice(1).map((q) => q.afterSeq)).toEqual(['60-0', '60-2', '60-4']);
    expect(model.traces.value.map((t) => t.trace_id)).toEqual(['trace-5', 'trace-4', 'trace-3', 'trace-2', 'trace-1']);
    expect(model.cursor.value).toBe('60-5');
    sync.stop();
  });

  it('falls back to polling after repeated stream errors and retries the stream later', async () => {
    const api = fakeApi();
    api.pages = (q) => makePage(q.afterSeq ? [] : [makeTrace({ seq: 1, cursor: '70-0' })], { next_after_seq: '70-0' });
    const { model, sync } = await started(api);
    const first = api.streams[0]!;
    for (let i = 0; i < STREAM_MAX_ERRORS - 1; i += 1) first.handlers.onError(false);
    expect(model.connection.value).toBe('reconnecting');
    first.handlers.onError(false);
    expect(first.closed).toBe(true);
    expect(model.connection.value).toBe('polling');
    await flush();
    const polls = () => api.queries.filter((q) => q.afterSeq === '70-0').length;
    expect(polls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(polls()).toBe(2);
    await vi.advanceTimersByTimeAsync(STREAM_RETRY_MS);
    expect(api.streams).toHaveLength(2);
    api.streams[1]!.handlers.onOpen();
    expect(model.connection.value).toBe('live');
    const after = polls();
    await vi.advanceTimersByTimeAsync(5000);
    expect(polls()).toBe(after);
    sync.stop();
  });

  it('polls when the stream is disabled; a closed stream falls back immediately', async () => {
    const api = fakeApi({ stream_enabled: false });
    const { model, sync } = await started(api);
    expect(api.streams).toHaveLength(0);
    expect(model.connection.value).toBe('polling');
    sync.stop();

    const api2 = fakeApi();
    const model2 = createModel();
    const sync2 = createSync(api2, model2);
    await sync2.start();
    api2.streams[0]!.handlers.onError(true);
    expect(model2.connection.value).toBe('polling');
    sync2.stop();
  });

  it('drops the list and reloads from scratch when the generation changes', async () => {
    const api = fakeApi({ stream_enabled: false });
    let generation = 1;
    api.pages = (q) => {
      if (generation === 1) return makePage(q.afterSeq ? [] : [makeTrace({ seq: 1, cursor: '80-0' })], { generation: 1, next_after_seq: '80-0' });
      return makePage(q.afterSeq ? [] : [makeTrace({ seq: 9, cursor: '90-0' })], { generation: 2, next_after_seq: '90-0' });
    };
    const { model, sync } = await started(api);
    await flush();
    expect(model.traces.value.map((t) => t.trace_id)).toEqual(['trace-1']);
    generation = 2;
    await vi.advanceTimersByTimeAsync(1000);
    expect(model.generation.value).toBe(2);
    expect(model.traces.value.map((t) => t.trace_id)).toEqual(['trace-9']);
    expect(api.queries.at(-1)).toEqual({ limit: 100 });
    sync.stop();
  });

  it('a stream clear event for a new generation resets and reloads', async () => {
    const api = fakeApi();
    api.pages = () => makePage([makeTrace({ seq: 1 })], { generation: 1 });
    const { model, sync } = await started(api);
    api.pages = () => makePage([], { generation: 5, next_after_seq: null });
    api.streams[0]!.handlers.onClear(5);
    expect(model.traces.value).toEqual([]);
    expect(model.generation.value).toBe(5);
    await flush();
    // same generation again: no-op
    api.pages = () => makePage([makeTrace({ seq: 2 })], { generation: 5 });
    await sync.refresh();
    api.streams[0]!.handlers.onClear(5);
    expect(model.traces.value).toHaveLength(1);
    sync.stop();
  });

  it('clear() resets to the generation returned by the server', async () => {
    const api = fakeApi();
    api.pages = () => makePage([makeTrace({ seq: 1 })], { generation: 1 });
    const { model, sync } = await started(api);
    expect(await sync.clear()).toBe('Cleared 3 traces');
    await flush();
    expect(model.traces.value).toEqual([]);
    expect(model.generation.value).toBe(9);
    // the stream's clear event for the same generation does not drop traces that arrived since
    api.streams[0]!.handlers.onTrace(makeTrace({ seq: 7 }));
    api.streams[0]!.handlers.onClear(9);
    expect(model.traces.value.map((t) => t.trace_id)).toEqual(['trace-7']);
    sync.stop();
  });

  it('asks for a token on 401 and restarts after a successful login', async () => {
    const api = fakeApi();
    api.failConfig = new ApiError('unauthorized', 401, 'token required');
    const { model, sync } = await started(api);
    expect(model.auth.value).toBe('required');
    expect(api.streams).toHaveLength(0);
    expect(await sync.login('nope')).toBe(false);
    expect(model.auth.value).toBe('wrong');
    api.failConfig = null;
    expect(await sync.login('secret')).toBe(true);
    expect(model.auth.value).toBe('ok');
    expect(api.streams).toHaveLength(1);
    sync.stop();
  });

  /** A sync started while the server cannot be reached: the banner says so. */
  async function startedUnreachable() {
    const api = fakeApi();
    api.failConfig = new ApiError('network', null, 'Failed to fetch');
    const { model, sync } = await started(api);
    expect(model.unreachable.value).toMatch(/Cannot reach/);
    return { api, model, sync };
  }

  it('drops the unreachable banner when the server answers again but wants a token (restarted with a new one)', async () => {
    const { api, model, sync } = await startedUnreachable();
    api.failConfig = new ApiError('unauthorized', 401, 'token required');
    await vi.advanceTimersByTimeAsync(DEFAULT_CONFIG.poll_ms);
    expect(model.auth.value).toBe('required');
    expect(model.unreachable.value).toBeNull();
    sync.stop();
  });

  it('shows the unreachable banner and keeps retrying until the server answers', async () => {
    const { api, model, sync } = await startedUnreachable();
    expect(model.connection.value).toBe('offline');
    api.failConfig = null;
    await vi.advanceTimersByTimeAsync(DEFAULT_CONFIG.poll_ms);
    expect(model.unreachable.value).toBeNull();
    expect(api.streams).toHaveLength(1);
    sync.stop();
  });

  describe('a pipeline filter', () => {
    const upper = (seq: number) => makeTrace({ seq, entrypoint: 'upper', cursor: `90-${seq}` });
    const shout = (seq: number) => makeTrace({ seq, entrypoint: 'shout', cursor: `90-${seq}` });

    /** A store whose newest page (list_cap 3) holds only shout; upper's traces are older. */
    function olderPipeline() {
      const api = fakeApi({ list_cap: 3 });
      api.pages = (q) => {
        if (q.entrypoint === 'upper') return makePage([upper(2), upper(1)], { next_after_seq: '90-2' });
        return makePage(q.afterSeq ? [] : [shout(5), shout(4), shout(3)], { next_after_seq: '90-5' });
      };
      return api;
    }

    it("reads the pipeline's newest traces from the server, keeps them live from the stream, and goes back when cleared", async () => {
      const api = olderPipeline();
      const { model, sync } = await started(api);
      api.streams[0]!.handlers.onOpen();
      model.actions.setFilter('upper');
      expect(model.scope.value?.status).toBe('loading');
      await flush();
      expect(api.queries.at(-1)).toEqual({ limit: 50, entrypoint: 'upper' });
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-2', 'trace-1']);
      expect(model.stats.value.count).toBe(2);
      expect(model.pipelines.value.find((r) => r.name === 'upper')).toMatchObject({ count: 2, source: 'store' });
      // One stream for everything: the filter opens no other.
      expect(api.streams).toHaveLength(1);
      api.streams[0]!.handlers.onTrace(upper(6));
      api.streams[0]!.handlers.onTrace(shout(7));
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-6', 'trace-2', 'trace-1']);
      model.actions.setFilter(null);
      await flush();
      expect(model.scope.value).toBeNull();
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-7', 'trace-6', 'trace-5']);
      expect(api.queries.filter((q) => q.entrypoint !== undefined)).toHaveLength(1);
      sync.stop();
    });

    it('says the store has none of it only once the server said so', async () => {
      const api = olderPipeline();
      const { model, sync } = await started(api);
      model.actions.setFilter('chat');
      expect(model.scope.value).toMatchObject({ status: 'loading', traces: [] });
      await flush();
      expect(model.scope.value).toMatchObject({ status: 'loaded', traces: [], more: false });
      sync.stop();
    });

    it("an answer for a filter that moved on is dropped", async () => {
      const api = olderPipeline();
      const { model, sync } = await started(api);
      let answer: (page: TracePage) => void = () => {};
      api.getTraces = (q) => {
        api.queries.push(q);
        return new Promise((resolve) => { answer = resolve; });
      };
      model.actions.setFilter('upper');
      model.actions.setFilter('shout');
      answer(makePage([upper(2)]));
      await flush();
      expect(model.scope.value?.pipeline).toBe('shout');
      expect(model.scope.value?.traces.map((t) => t.trace_id)).toEqual(['trace-5', 'trace-4', 'trace-3']);
      sync.stop();
    });

    it('a new generation (cleared elsewhere, Redis restarted empty) reloads the pipeline too', async () => {
      const api = olderPipeline();
      const { model, sync } = await started(api);
      model.actions.setFilter('upper');
      await flush();
      api.pages = (q) => makePage(q.entrypoint === 'upper' ? [upper(9)] : [upper(9)], { generation: 4, next_after_seq: '95-0' });
      api.streams[0]!.handlers.onClear(4);
      expect(model.scope.value).toMatchObject({ status: 'loading', traces: [] });
      await flush();
      expect(model.generation.value).toBe(4);
      expect(model.scope.value).toMatchObject({ pipeline: 'upper', status: 'loaded' });
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-9']);
      sync.stop();
    });

    it('a page of the pipeline from a new generation resets everything and reloads', async () => {
      const api = olderPipeline();
      const { model, sync } = await started(api);
      api.pages = (q) => makePage(q.entrypoint === 'upper' ? [upper(8)] : [shout(8)], { generation: 6, next_after_seq: '96-0' });
      model.actions.setFilter('upper');
      await flush();
      expect(model.generation.value).toBe(6);
      expect(model.traces.value.map((t) => t.trace_id)).toEqual(['trace-8']);
      expect(model.scope.value).toMatchObject({ status: 'loaded' });
      expect(model.visible.value.map((t) => t.entrypoint)).toEqual(['upper']);
      sync.stop();
    });

    it("clear() empties the pipeline's list too, and reads it again", async () => {
      const api = olderPipeline();
      const { model, sync } = await started(api);
      model.actions.setFilter('upper');
      await flush();
      await sync.clear();
      await flush();
      expect(model.scope.value).toMatchObject({ pipeline: 'upper', status: 'loaded', traces: [] });
      expect(api.queries.at(-1)).toMatchObject({ entrypoint: 'upper' });
      sync.stop();
    });

    it('a pipeline that could not be read is asked for again when the server answers', async () => {
      const api = olderPipeline();
      const { model, sync } = await started(api);
      const pages = api.pages;
      api.pages = () => { throw new ApiError('network', null, 'Failed to fetch'); };
      model.actions.setFilter('upper');
      await flush();
      expect(model.scope.value?.status).toBe('failed');
      expect(model.unreachable.value).toMatch(/Cannot reach/);
      api.pages = pages;
      await vi.advanceTimersByTimeAsync(CONFIG_REFRESH_MS);
      expect(model.scope.value?.status).toBe('loaded');
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-2', 'trace-1']);
      sync.stop();
    });
  });

  describe('older traces and pause', () => {
    /** A store of traces 1..8 (8 newest); the page shows the newest 3 (list_cap), older pages hold 2 each. */
    function store() {
      const api = fakeApi({ list_cap: 3, fetch_limit: 2 });
      const all = [8, 7, 6, 5, 4, 3, 2, 1].map((seq) => makeTrace({ seq, entrypoint: seq % 2 === 0 ? 'upper' : 'chat' }));
      api.pages = (q) => {
        const mine = all.filter((t) => !q.entrypoint || t.entrypoint === q.entrypoint);
        if (!q.beforeSeq) return makePage(mine.slice(0, q.limit));
        const older = mine.filter((t) => t.cursor < q.beforeSeq!);
        const traces = older.slice(0, q.limit);
        return makePage(traces, {
          next_after_seq: null, next_before_seq: traces.at(-1)?.cursor ?? q.beforeSeq, has_more: older.length > q.limit,
        });
      };
      return api;
    }

    it('loads the page before the oldest shown (fetch_limit traces), pauses and keeps them past the cap', async () => {
      const api = store();
      const { model, sync } = await started(api);
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-8', 'trace-7', 'trace-6']);
      await sync.loadOlder();
      expect(api.queries.at(-1)).toEqual({ limit: 2, beforeSeq: makeTrace({ seq: 6 }).cursor, entrypoint: null });
      expect(model.paused.value).not.toBeNull();
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-8', 'trace-7', 'trace-6', 'trace-5', 'trace-4']);
      api.streams[0]!.handlers.onTrace(makeTrace({ seq: 9 }));
      expect(model.visible.value).toHaveLength(5);
      expect(model.heldCount.value).toBe(1);
      model.actions.resume();
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-9', 'trace-8', 'trace-7']);
      sync.stop();
    });

    it('follows next_before_seq until has_more is false', async () => {
      const api = store();
      const { model, sync } = await started(api);
      await sync.loadOlder();
      await sync.loadOlder();
      expect(api.queries.at(-1)!.beforeSeq).toBe(makeTrace({ seq: 4 }).cursor);
      expect(model.paused.value!.older.status).toBe('idle');
      await sync.loadOlder();
      expect(api.queries.at(-1)!.beforeSeq).toBe(makeTrace({ seq: 2 }).cursor);
      expect(model.paused.value!.older.status).toBe('done');
      expect(model.visible.value).toHaveLength(8);
      const asked = api.queries.length;
      await sync.loadOlder();
      expect(api.queries).toHaveLength(asked);
      sync.stop();
    });

    it('asks for the pipeline filtered on', async () => {
      const api = store();
      const { model, sync } = await started(api);
      model.actions.setFilter('chat');
      await flush();
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-7', 'trace-5', 'trace-3']);
      await sync.loadOlder();
      expect(api.queries.at(-1)).toEqual({ limit: 2, beforeSeq: makeTrace({ seq: 3 }).cursor, entrypoint: 'chat' });
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-7', 'trace-5', 'trace-3', 'trace-1']);
      expect(model.paused.value!.older.status).toBe('done');
      sync.stop();
    });

    it('a failed read shows on the view and leaves the list and the sync alone', async () => {
      const api = store();
      const { model, sync } = await started(api);
      const pages = api.pages;
      api.pages = () => { throw new ApiError('http', 503, 'HTTP 503: busy'); };
      await sync.loadOlder();
      expect(model.paused.value!.older).toMatchObject({ status: 'failed', error: 'HTTP 503: busy' });
      expect(model.visible.value).toHaveLength(3);
      expect(model.unreachable.value).toBeNull();
      api.pages = pages;
      await sync.loadOlder();
      expect(model.visible.value).toHaveLength(5);
      sync.stop();
    });

    it('a 401 asks for the token, as every other read does', async () => {
      const api = store();
      const { model, sync } = await started(api);
      api.pages = () => { throw new ApiError('unauthorized', 401, 'token required'); };
      await sync.loadOlder();
      expect(model.paused.value!.older).toMatchObject({ status: 'failed', error: 'sign-in required' });
      expect(model.auth.value).toBe('required');
      sync.stop();
    });

    it('a clear seen on the stream empties the view and ends the pause', async () => {
      const api = store();
      const { model, sync } = await started(api);
      model.actions.pause();
      api.pages = () => makePage([], { generation: 5 });
      api.streams[0]!.handlers.onClear(5);
      await flush();
      expect(model.paused.value).toBeNull();
      expect(model.visible.value).toEqual([]);
      sync.stop();
    });

    it('an older page of a new generation reloads the newest', async () => {
      const api = store();
      const { model, sync } = await started(api);
      const pages = api.pages;
      api.pages = (q) => ({ ...pages(q), generation: 4 });
      await sync.loadOlder();
      expect(model.paused.value).toBeNull();
      expect(model.generation.value).toBe(4);
      expect(api.queries.at(-1)).toEqual({ limit: 3 });
      expect(model.visible.value.map((t) => t.trace_id)).toEqual(['trace-8', 'trace-7', 'trace-6']);
      sync.stop();
    });
  });
});
