// The dashboard's single signals model: signals, computed values and named
// actions. Arrays/maps/sets are replaced, never mutated.
import { batch, computed, signal } from '@preact/signals';
import type { DashboardConfig, SortMode, ThemeName, Trace, TracePage } from './types';
import { DEFAULT_CONFIG } from './lib/normalize';
import { advanceCursor, capTraces, mergeTraces } from './lib/merge';
import {
  filterTraces, loadedIsComplete, pipelineCounts, pipelineKey, scopeOf, sortTraces, type PipelineFilter, type PipelineScope,
} from './lib/filters';
import { computeStats } from './lib/stats';
import { announcement, freshIds, pruneArrivals, recordArrivals } from './lib/freshness';
import { describeViewMode } from './lib/viewMode';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'offline';
export type AuthState = 'ok' | 'required' | 'checking' | 'wrong';
export type PageOutcome = 'merged' | 'generation-changed';
/** A pipeline's page: `stale` when the filter moved on (or was cleared) while it was asked for. */
export type ScopeOutcome = PageOutcome | 'stale';

export const ANNOUNCE_DELAY_MS = 1200;

export function createModel(initialTheme: ThemeName = 'light') {
  const config = signal<DashboardConfig>({ ...DEFAULT_CONFIG });
  const configLoaded = signal(false);
  const traces = signal<Trace[]>([]);
  const cursor = signal<string | null>(null);
  const generation = signal<number | null>(null);
  const entrypoints = signal<string[]>([]);
  /** Pipeline name → an example request body (JSON text) it accepts. */
  const examples = signal<ReadonlyMap<string, string>>(new Map());
  const arrivals = signal<ReadonlyMap<string, number>>(new Map());
  const now = signal(Date.now());
  const loaded = signal(false);
  const connection = signal<Connection>('connecting');
  const unreachable = signal<string | null>(null);
  const auth = signal<AuthState>('ok');
  const lastUpdated = signal<number | null>(null);
  const notice = signal<string | null>(null);

  const filter = signal<PipelineFilter>(null);
  /** The list of the pipeline filtered on, read from the server; null while no pipeline is (or for NO_PIPELINE). */
  const scope = signal<PipelineScope | null>(null);
  const query = signal('');
  const sort = signal<SortMode>('newest');
  /** Keys (`Trace.key`) of the expanded cards. */
  const expanded = signal<ReadonlySet<string>>(new Set());
  const theme = signal<ThemeName>(initialTheme);
  /** True once the user picked a theme (then it is stored and system changes are ignored). */
  const themeChosen = signal(false);
  const liveMessage = signal('');

  /** The traces the view is about: the filtered pipeline's own list, else the newest of every pipeline. */
  const scopeTraces = computed(() => scope.value?.traces ?? traces.value);
  const filtered = computed(() => filterTraces(scopeTraces.value, filter.value, query.value));
  const visible = computed(() => sortTraces(filtered.value, sort.value));
  const stats = computed(() => computeStats(filtered.value));
  const pipelines = computed(() => pipelineCounts(traces.value, entrypoints.value, scope.value));
  /** The browser holds every stored trace: counts of the loaded traces are the store's. */
  const countsComplete = computed(() => loadedIsComplete(traces.value.length, config.value));
  // Keeps its identity while the set of fresh ids is unchanged, so the clock
  // ticking every second does not re-render the list.
  let lastFresh: ReadonlySet<string> = new Set();
  const fresh = computed(() => {
    const next = freshIds(arrivals.value, now.value, config.value.fresh_ms);
    if (next.size === lastFresh.size && [...next].every((id) => lastFresh.has(id))) return lastFresh;
    lastFresh = next;
    return next;
  });
  const viewMode = computed(() => describeViewMode(config.value));

  /** A deep link (`#trace=`): a trace_id (opens each of its operations) or a key (opens that one). */
  let linked: string | null = null;
  const isLinked = (t: Trace) => linked !== null && (t.trace_id === linked || t.key === linked);

  let pendingNew = 0;
  let pendingFailed = 0;
  let announceTimer: ReturnType<typeof setTimeout> | null = null;

  function announceNew(added: readonly Trace[]) {
    if (added.length === 0) return;
    pendingNew += added.length;
    pendingFailed += added.filter((t) => t.status === 'error').length;
    if (announceTimer !== null) return;
    announceTimer = setTimeout(() => {
      liveMessage.value = announcement(pendingNew, pendingFailed);
      pendingNew = 0;
      pendingFailed = 0;
      announceTimer = null;
    }, ANNOUNCE_DELAY_MS);
  }

  /** Records of the filtered pipeline join its list too (live ones, and the updates of those it holds). */
  function mergeIntoScope(incoming: readonly Trace[]) {
    const current = scope.value;
    if (current === null) return;
    const mine = incoming.filter((t) => pipelineKey(t) === current.pipeline);
    if (mine.length === 0) return;
    const cap = config.value.list_cap;
    const result = mergeTraces(current.traces, mine, cap);
    if (result.changed) scope.value = { ...current, traces: result.traces, more: current.more || result.traces.length >= cap };
  }

  /** Merge records into the list; `live` ones get the NEW highlight and an announcement. */
  function mergeIncoming(incoming: readonly Trace[], live: boolean) {
    const result = mergeTraces(traces.value, incoming, config.value.list_cap);
    batch(() => {
      cursor.value = advanceCursor(cursor.value, null, incoming);
      lastUpdated.value = Date.now();
      mergeIntoScope(incoming);
      if (!result.changed) return;
      traces.value = result.traces;
      if (linked !== null && result.added.length > 0) {
        const addedSet = new Set(result.added);
        const open = result.traces.filter((t) => addedSet.has(t.key) && isLinked(t) && !expanded.value.has(t.key));
        if (open.length > 0) expanded.value = new Set([...expanded.value, ...open.map((t) => t.key)]);
      }
      if (live && result.added.length > 0) {
        const addedSet = new Set(result.added);
        arrivals.value = recordArrivals(arrivals.value, result.added, Date.now());
        announceNew(result.traces.filter((t) => addedSet.has(t.key)));
      }
    });
  }

  const actions = {
    applyConfig(next: DashboardConfig) {
      batch(() => {
        config.value = next;
        configLoaded.value = true;
        if (traces.value.length > next.list_cap) traces.value = capTraces(traces.value, next.list_cap);
        const current = scope.value;
        if (current !== null && current.traces.length > next.list_cap) {
          scope.value = { ...current, traces: capTraces(current.traces, next.list_cap), more: true };
        }
      });
    },
    /** Drop everything because the store was cleared (generation changed). */
    resetForGeneration(next: number | null) {
      batch(() => {
        generation.value = next;
        traces.value = [];
        cursor.value = null;
        arrivals.value = new Map();
        expanded.value = new Set();
        linked = null;
        if (scope.value !== null) scope.value = { pipeline: scope.value.pipeline, traces: [], status: 'loading', more: false };
      });
    },
    /** True when `gen` is known and differs from ours (the store was cleared elsewhere). */
    isNewGeneration(gen: number | null): boolean {
      return gen !== null && generation.value !== null && gen !== generation.value;
    },
    receivePage(page: TracePage, live: boolean): PageOutcome {
      if (actions.isNewGeneration(page.generation)) {
        actions.resetForGeneration(page.generation);
        return 'generation-changed';
      }
      batch(() => {
        if (generation.value === null && page.generation !== null) generation.value = page.generation;
        mergeIncoming(page.traces, live);
        cursor.value = advanceCursor(cursor.value, page.next_after_seq, []);
        loaded.value = true;
      });
      return 'merged';
    },
    receiveTrace(trace: Trace) {
      mergeIncoming([trace], true);
    },
    /**
     * The server's newest traces of `pipeline` (`/traces?entrypoint=`, asking for `limit`): they make its list,
     * with what arrived live meanwhile. Ignored when the filter moved on; a new generation resets like a page.
     */
    receiveScopePage(pipeline: string, page: TracePage, limit: number): ScopeOutcome {
      const current = scope.value;
      if (current === null || current.pipeline !== pipeline) return 'stale';
      if (actions.isNewGeneration(page.generation)) {
        actions.resetForGeneration(page.generation);
        return 'generation-changed';
      }
      const cap = config.value.list_cap;
      const merged = mergeTraces(current.traces, page.traces.filter((t) => pipelineKey(t) === pipeline), cap);
      scope.value = {
        pipeline, traces: merged.traces, status: 'loaded', more: page.traces.length >= limit || merged.traces.length >= cap,
      };
      return 'merged';
    },
    /** The server could not be asked for `pipeline`'s traces: its list stays what the browser had. */
    scopeFailed(pipeline: string) {
      const current = scope.value;
      if (current !== null && current.pipeline === pipeline && current.status === 'loading') scope.value = { ...current, status: 'failed' };
    },
    setEntrypoints(names: string[]) {
      const same = names.length === entrypoints.value.length && names.every((n, i) => n === entrypoints.value[i]);
      if (!same) entrypoints.value = names;
    },
    setExamples(next: ReadonlyMap<string, string>) {
      const current = examples.value;
      const same = next.size === current.size && [...next].every(([name, body]) => current.get(name) === body);
      if (!same) examples.value = next;
    },
    setConnection(next: Connection) {
      connection.value = next;
    },
    setUnreachable(message: string | null) {
      unreachable.value = message;
      if (message !== null) connection.value = 'offline';
    },
    setAuth(next: AuthState) {
      auth.value = next;
    },
    setNotice(message: string | null) {
      notice.value = message;
    },
    tick(ms = Date.now()) {
      batch(() => {
        now.value = ms;
        if (arrivals.value.size > 0 && fresh.value.size < arrivals.value.size) {
          arrivals.value = pruneArrivals(arrivals.value, ms, config.value.fresh_ms, new Set(traces.value.map((t) => t.key)));
        }
      });
    },
    /** A named pipeline's list starts as what the browser holds of it, until the server answers (`sync`). */
    setFilter(next: PipelineFilter) {
      if (next === filter.value) return;
      batch(() => {
        filter.value = next;
        const pipeline = scopeOf(next);
        scope.value = pipeline === null
          ? null
          : { pipeline, traces: traces.value.filter((t) => pipelineKey(t) === pipeline), status: 'loading', more: false };
      });
    },
    setQuery(next: string) {
      query.value = next;
    },
    toggleSort() {
      sort.value = sort.value === 'newest' ? 'slowest' : 'newest';
    },
    /** `chosen`: picked by the user (persisted) rather than following the system. */
    setTheme(next: ThemeName, chosen = true) {
      batch(() => {
        theme.value = next;
        if (chosen) themeChosen.value = true;
      });
    },
    /**
     * Deep link: opens the traces `id` names, now and as they arrive. `id` is a trace_id
     * (each operation of that trace opens) or a key (`<trace_id>:<root span id>`, that one).
     */
    openLinked(id: string) {
      linked = id;
      const open = traces.value.filter((t) => isLinked(t) && !expanded.value.has(t.key));
      if (open.length > 0) expanded.value = new Set([...expanded.value, ...open.map((t) => t.key)]);
    },
    /** `key`: the trace's `key` (one operation), not its trace_id. */
    toggleExpanded(key: string, open?: boolean) {
      const isOpen = expanded.value.has(key);
      const want = open ?? !isOpen;
      if (want === isOpen) return;
      const next = new Set(expanded.value);
      if (want) next.add(key);
      else next.delete(key);
      expanded.value = next;
    },
  };

  return {
    config, configLoaded, traces, cursor, generation, entrypoints, examples, arrivals, now, loaded, connection, unreachable,
    auth, lastUpdated, notice, filter, scope, query, sort, expanded, theme, themeChosen, liveMessage,
    scopeTraces, filtered, visible, stats, pipelines, countsComplete, fresh, viewMode,
    actions,
  };
}

export type Model = ReturnType<typeof createModel>;
