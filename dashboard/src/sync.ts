// Keeps the model in sync with the server: config, initial load, then the SSE
// stream, falling back to polling `/traces?after_seq=` when the stream fails
// repeatedly or is disabled. Handles has_more follow-ups, generation resets
// (store cleared anywhere), 401 (token prompt) and an unreachable server.
// A pipeline filtered on gets its own newest traces from the server
// (`/traces?entrypoint=`), then stays live from the same stream: every new
// trace of it arrives there too.
import { effect } from '@preact/signals';
import type { Api, StreamHandle } from './api';
import { ApiError, isUnauthorized } from './api';
import type { Model, ScopeOutcome } from './state';
import type { TracePage } from './types';
import { firstPageLimit, nextPageLimit } from './lib/limits';
import { scopeOf } from './lib/filters';

export const STREAM_MAX_ERRORS = 3;
export const STREAM_RETRY_MS = 30_000;
// How soon the header tells that the shared store became unreachable (or came back) while the stream stays open.
export const CONFIG_REFRESH_MS = 5_000;
export const MAX_FOLLOW_UPS = 50;
export const MAX_BACKOFF_MS = 30_000;

export type Sync = {
  start(): Promise<void>;
  stop(): void;
  /** Re-read config and the newest traces now. */
  refresh(): Promise<void>;
  clear(): Promise<string>;
  login(token: string): Promise<boolean>;
  /** The page of traces older than the oldest shown (pausing the live feed); its errors show in the model. */
  loadOlder(): Promise<void>;
};

export function createSync(api: Api, model: Model): Sync {
  const { actions } = model;
  let running = false;
  let stream: StreamHandle | null = null;
  let streamErrors = 0;
  let pollTimer: ReturnType<typeof setTimeout> | null = null;
  let streamRetryTimer: ReturnType<typeof setTimeout> | null = null;
  let configTimer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  let polling = false;
  let unwatchFilter: (() => void) | null = null;

  const clearTimer = (t: ReturnType<typeof setTimeout> | null) => {
    if (t !== null) clearTimeout(t);
    return null;
  };

  function stop() {
    running = false;
    polling = false;
    unwatchFilter?.();
    unwatchFilter = null;
    stream?.close();
    stream = null;
    pollTimer = clearTimer(pollTimer);
    streamRetryTimer = clearTimer(streamRetryTimer);
    configTimer = clearTimer(configTimer);
  }

  /** Common error handling; returns the retry delay. */
  function onFailure(error: unknown): number | null {
    if (isUnauthorized(error)) {
      stop();
      // The server answered: it is reachable, it only wants the token (a restart with a new one, say).
      failures = 0;
      if (model.unreachable.value !== null) actions.setUnreachable(null);
      if (model.auth.value !== 'wrong') actions.setAuth('required');
      return null;
    }
    failures += 1;
    const detail = error instanceof ApiError ? error.message : String(error);
    actions.setUnreachable(`Cannot reach the trace server (${detail}). Retrying…`);
    return Math.min(MAX_BACKOFF_MS, model.config.value.poll_ms * 2 ** Math.min(failures - 1, 4));
  }

  /** Returns true when this success ends an outage (a pipeline's list that could not be read is asked for again). */
  function onSuccess(): boolean {
    const recovered = failures > 0 || model.unreachable.value !== null;
    failures = 0;
    if (model.unreachable.value !== null) actions.setUnreachable(null);
    if (recovered && model.scope.value?.status === 'failed') void filterChanged();
    return recovered;
  }

  function canStream(): boolean {
    return model.config.value.stream_enabled && api.streamSupported();
  }

  /**
   * Reload the newest traces from scratch (initial load or after a generation change), and those of the pipeline
   * filtered on. Asks for a full list (list_cap, at most the API's max_limit) at once: one read, where paging
   * backwards (loadOlder) would take several.
   */
  async function loadNewest(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const page = await api.getTraces({ limit: firstPageLimit(model.config.value) });
      if (actions.receivePage(page, false) === 'merged' && (await loadScope()) !== 'generation-changed') return;
    }
  }

  /**
   * The newest traces of the pipeline filtered on, from the server: the browser's list may hold none of them while
   * the store does. Later ones arrive live with every other trace (the stream, or the polls, are not filtered).
   */
  async function loadScope(): Promise<ScopeOutcome> {
    const pipeline = scopeOf(model.filter.value);
    if (pipeline === null) return 'stale';
    const limit = firstPageLimit(model.config.value);
    try {
      return actions.receiveScopePage(pipeline, await api.getTraces({ limit, entrypoint: pipeline }), limit);
    } catch (e) {
      actions.scopeFailed(pipeline);
      throw e;
    }
  }

  /** A new filter: read its pipeline's traces (a generation seen meanwhile reloads everything). */
  async function filterChanged(): Promise<void> {
    try {
      if ((await loadScope()) === 'generation-changed') await loadNewest();
      onSuccess();
    } catch (e) {
      onFailure(e);
    }
  }

  /** Fetch pages after our cursor until the server says there is no more. */
  async function catchUp(): Promise<void> {
    for (let i = 0; i < MAX_FOLLOW_UPS; i += 1) {
      const page: TracePage = await api.getTraces({ limit: nextPageLimit(model.config.value), afterSeq: model.cursor.value });
      if (actions.receivePage(page, true) === 'generation-changed') {
        await loadNewest();
        return;
      }
      if (!page.has_more || page.traces.length === 0) return;
    }
  }

  async function refreshEntrypoints() {
    try {
      const { names, examples } = await api.getEntrypoints();
      actions.setEntrypoints(names);
      actions.setExamples(examples);
    } catch (e) {
      if (isUnauthorized(e)) onFailure(e);
    }
  }

  /** Re-read config (workers, degraded, store stats); a new generation means a clear elsewhere. */
  async function reloadConfig() {
    try {
      const config = await api.getConfig();
      actions.applyConfig(config);
      onSuccess();
      if (actions.isNewGeneration(config.generation)) {
        actions.resetForGeneration(config.generation);
        await loadNewest();
      }
    } catch (e) {
      onFailure(e);
    }
  }

  async function refreshConfig() {
    await reloadConfig();
    void refreshEntrypoints();
    configTimer = clearTimer(configTimer);
    if (running) configTimer = setTimeout(() => void refreshConfig(), Math.max(CONFIG_REFRESH_MS, model.config.value.poll_ms));
  }

  function schedulePoll(delay: number) {
    pollTimer = clearTimer(pollTimer);
    if (running && polling) pollTimer = setTimeout(() => void pollOnce(), delay);
  }

  async function pollOnce() {
    if (!running || !polling) return;
    let delay: number | null = model.config.value.poll_ms;
    try {
      if (model.cursor.value === null) await loadNewest();
      else await catchUp();
      const recovered = onSuccess();
      if (model.connection.value !== 'live') actions.setConnection('polling');
      // Back from an outage: try the live stream again right away.
      if (recovered && canStream() && stream === null) {
        streamRetryTimer = clearTimer(streamRetryTimer);
        openStream();
      }
    } catch (e) {
      delay = onFailure(e);
    }
    if (delay !== null) schedulePoll(delay);
  }

  /** Poll now and every poll_ms; while polling, try the stream again every STREAM_RETRY_MS. */
  function startPolling() {
    if (!polling) {
      polling = true;
      actions.setConnection('polling');
      schedulePoll(0);
    }
    streamRetryTimer = clearTimer(streamRetryTimer);
    if (running && canStream()) {
      streamRetryTimer = setTimeout(() => {
        streamRetryTimer = null;
        openStream();
      }, STREAM_RETRY_MS);
    }
  }

  function stopPolling() {
    polling = false;
    pollTimer = clearTimer(pollTimer);
  }

  function streamFailed() {
    stream?.close();
    stream = null;
    startPolling();
  }

  function openStream() {
    if (!running) return;
    stream?.close();
    streamErrors = 0;
    if (!polling) actions.setConnection('connecting');
    stream = api.openStream(model.cursor.value, {
      onOpen() {
        streamErrors = 0;
        stopPolling();
        onSuccess();
        actions.setConnection('live');
      },
      onSnapshot(page) {
        streamErrors = 0;
        const live = model.loaded.value;
        if (actions.receivePage(page, live) === 'generation-changed') {
          void loadNewest().catch(onFailure);
        } else if (page.has_more) {
          void catchUp().catch(onFailure);
        }
      },
      onTrace(trace) {
        streamErrors = 0;
        actions.receiveTrace(trace);
        if (!trace.running && (trace.kind === 'deploy' || trace.kind === 'undeploy')) void refreshEntrypoints();
      },
      onClear(gen) {
        if (gen === null || actions.isNewGeneration(gen)) {
          actions.resetForGeneration(gen ?? model.generation.value);
          void loadNewest().catch(onFailure);
          void reloadConfig();
        }
      },
      onError(closed) {
        streamErrors += 1;
        if (closed || streamErrors >= STREAM_MAX_ERRORS) streamFailed();
        else if (!polling) {
          actions.setConnection('reconnecting');
          // Is the server itself gone? Shows the banner without waiting for the fallback.
          if (streamErrors === 1) void reloadConfig();
        }
      },
    });
  }

  async function start() {
    stop();
    running = true;
    actions.setConnection('connecting');
    try {
      const config = await api.getConfig();
      actions.applyConfig(config);
      if (actions.isNewGeneration(config.generation)) actions.resetForGeneration(config.generation);
      else if (model.generation.value === null) model.generation.value = config.generation;
      void refreshEntrypoints();
      await loadNewest();
      onSuccess();
    } catch (e) {
      const delay = onFailure(e);
      if (delay !== null && running) configTimer = setTimeout(() => void start(), delay);
      return;
    }
    if (!running) return;
    let filter = model.filter.value;
    unwatchFilter = effect(() => {
      if (model.filter.value === filter) return;
      filter = model.filter.value;
      void filterChanged();
    });
    configTimer = setTimeout(() => void refreshConfig(), Math.max(CONFIG_REFRESH_MS, model.config.value.poll_ms));
    if (canStream()) openStream();
    else startPolling();
  }

  return {
    start,
    stop,
    async refresh() {
      try {
        const config = await api.getConfig();
        actions.applyConfig(config);
        if (actions.isNewGeneration(config.generation)) actions.resetForGeneration(config.generation);
        await loadNewest();
        await refreshEntrypoints();
        onSuccess();
      } catch (e) {
        onFailure(e);
      }
    },
    async clear() {
      const result = await api.clearTraces();
      // The stream's `clear` event may have reset us already; then keep what arrived since.
      if (result.generation === null || result.generation !== model.generation.value) {
        actions.resetForGeneration(result.generation ?? model.generation.value);
        void filterChanged();
      }
      void reloadConfig();
      return result.message;
    },
    async loadOlder() {
      const request = actions.startOlder();
      if (request === null) return;
      try {
        const page = await api.getTraces({
          limit: nextPageLimit(model.config.value), beforeSeq: request.before, entrypoint: request.pipeline,
        });
        if (actions.receiveOlderPage(request, page) === 'generation-changed') await loadNewest();
      } catch (e) {
        actions.olderFailed(request, isUnauthorized(e) ? 'sign-in required' : e instanceof Error ? e.message : String(e));
        // The session is gone: the token prompt, as for every other read.
        if (isUnauthorized(e)) onFailure(e);
      }
    },
    async login(token) {
      actions.setAuth('checking');
      let ok: boolean;
      try {
        ok = await api.login(token);
      } catch (e) {
        actions.setAuth('required');
        throw e;
      }
      actions.setAuth(ok ? 'ok' : 'wrong');
      if (ok) await start();
      return ok;
    },
  };
}
