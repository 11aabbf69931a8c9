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
import { appendOlder, countHeld, heldAnnouncement, HELD_MAX, holdArrivals, oldestCursor, type Held } from './lib/paused';

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'polling' | 'offline';
export type AuthState = 'ok' | 'required' | 'checking' | 'wrong';
export type PageOutcome = 'merged' | 'generation-changed';
/** A pipeline's page: `stale` when the filter moved on (or was cleared) while it was asked for. */
export type ScopeOutcome = PageOutcome | 'stale';

export const ANNOUNCE_DELAY_MS = 1200;

/**
 * Older pages of the paused view: `before` is where the next one starts (null: at the oldest trace shown); `done`
 * once the store said it holds nothing older; `failed` with the error of the last attempt.
 */
export type OlderState = { before: string | null; status: 'idle' | 'loading' | 'failed' | 'done'; error: string | null };

/**
 * What the view shows while the live feed is paused: the list of every pipeline and the filtered pipeline's list
 * as they were (plus older pages loaded into them). The live lists go on merging in the background.
 */
export type PausedView = { traces: Trace[]; scope: PipelineScope | null; older: OlderState };

/** An older page asked for: `epoch` tells whether the paused view it was for is still the one shown. */
export type OlderRequest = { epoch: number; before: string; pipeline: string | null };
export type OlderOutcome = PageOutcome | 'stale';

const OLDER_IDLE: OlderState = { before: null, status: 'idle', error: null };

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
  /** Null while live. */
  const paused = signal<PausedView | null>(null);
  const held = signal<Held>(new Map());

  /** What the view shows: the live lists, or what they were when the feed was paused. */
  const shownTraces = computed(() => paused.value?.traces ?? traces.value);
  const shownScope = computed(() => (paused.value === null ? scope.value : paused.value.scope));
  /** The traces the view is about: the filtered pipeline's own list, else the newest of every pipeline. */
  const scopeTraces = computed(() => shownScope.value?.traces ?? shownTraces.value);
  const filtered = computed(() => filterTraces(scopeTraces.value, filter.value, query.value));
  const visible = computed(() => sortTraces(filtered.value, sort.value));
  const stats = computed(() => computeStats(filtered.value));
  const pipelines = computed(() => pipelineCounts(shownTraces.value, entrypoints.value, shownScope.value));
  /** The browser holds every stored trace: counts of the loaded traces are the store's. */
  const countsComplete = computed(() => loadedIsComplete(shownTraces.value.length, config.value));
  /** New traces a resume would show; `heldFull`: the pause stopped counting (the count is a lower bound). */
  const heldCount = computed(() => (paused.value === null ? 0 : countHeld(held.value, filter.value, scopeTraces.value)));
  const heldFull = computed(() => held.value.size >= HELD_MAX);
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
  // Bumped whenever the paused view is replaced or dropped: an older page asked for another one is ignored.
  let epoch = 0;

  /** Batched over ANNOUNCE_DELAY_MS; while paused it says how many wait rather than what arrived. */
  function scheduleAnnouncement() {
    if (announceTimer !== null) return;
    announceTimer = setTimeout(() => {
      const message = paused.value === null ? announcement(pendingNew, pendingFailed) : heldAnnouncement(heldCount.value, heldFull.value);
      if (paused.value === null || message !== '') liveMessage.value = message;
      pendingNew = 0;
      pendingFailed = 0;
      announceTimer = null;
    }, ANNOUNCE_DELAY_MS);
  }

  function announceNew(added: readonly Trace[]) {
    if (added.length === 0) return;
    pendingNew += added.length;
    pendingFailed += added.filter((t) => t.status === 'error').length;
    scheduleAnnouncement();
  }

  function setPaused(next: PausedView | null) {
    epoch += 1;
    paused.value = next;
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
      if (paused.value !== null) {
        const before = held.value;
        held.value = holdArrivals(before, incoming);
        if (held.value !== before) scheduleAnnouncement();
      }
      if (!result.changed) return;
      traces.value = result.traces;
      if (linked !== null && result.added.length > 0) {
        const addedSet = new Set(result.added);
        const open = result.traces.filter((t) => addedSet.has(t.key) && isLinked(t) && !expanded.value.has(t.key));
        if (open.length > 0) expanded.value = new Set([...expanded.value, ...open.map((t) => t.key)]);
      }
      if (live && result.added.length > 0 && paused.value === null) {
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
        setPaused(null);
        held.value = new Map();
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
      const next: PipelineScope = {
        pipeline, traces: merged.traces, status: 'loaded', more: page.traces.length >= limit || merged.traces.length >= cap,
      };
      batch(() => {
        scope.value = next;
        // A filter chosen while paused shows its pipeline as the server has it now, then holds still again.
        const view = paused.value;
        if (view?.scope?.pipeline === pipeline && view.scope.status === 'loading') paused.value = { ...view, scope: next };
      });
      return 'merged';
    },
    /** The server could not be asked for `pipeline`'s traces: its list stays what the browser had. */
    scopeFailed(pipeline: string) {
      const failed = (s: PipelineScope | null): s is PipelineScope => s !== null && s.pipeline === pipeline && s.status === 'loading';
      batch(() => {
        const current = scope.value;
        if (failed(current)) scope.value = { ...current, status: 'failed' };
        const view = paused.value;
        if (view !== null && failed(view.scope)) paused.value = { ...view, scope: { ...view.scope, status: 'failed' } };
      });
    },
    /** Hold the list shown still; what arrives is merged into the live lists, out of view, and counted. */
    pause() {
      if (paused.value !== null) return;
      batch(() => {
        setPaused({ traces: traces.value, scope: scope.value, older: OLDER_IDLE });
        held.value = new Map();
      });
    },
    /** Back to the live lists (the newest list_cap), with what arrived meanwhile marked NEW. */
    resume() {
      if (paused.value === null) return;
      batch(() => {
        const arrived = held.value;
        const wasShown = new Set(scopeTraces.value.map((t) => t.key));
        setPaused(null);
        held.value = new Map();
        const shown = scopeTraces.value.filter((t) => arrived.has(t.key) && !wasShown.has(t.key)).map((t) => t.key);
        if (shown.length > 0) arrivals.value = recordArrivals(arrivals.value, shown, Date.now());
      });
    },
    /**
     * Asks for the page just older than the oldest trace shown (pausing first: a live trace would trim it off).
     * Null when there is nothing to ask: an empty list, a page already on its way, or the store's oldest reached.
     */
    startOlder(): OlderRequest | null {
      const view = paused.value;
      if (view !== null && (view.older.status === 'loading' || view.older.status === 'done')) return null;
      // A pipeline's list still loading would replace what the page adds.
      if (shownScope.value?.status === 'loading') return null;
      const before = view?.older.before ?? oldestCursor(scopeTraces.value);
      if (before === null) return null;
      batch(() => {
        actions.pause();
        paused.value = { ...paused.value!, older: { before, status: 'loading', error: null } };
      });
      return { epoch, before, pipeline: scopeOf(filter.value) };
    },
    /** An older page joins the list shown (never replacing a trace shown), beyond list_cap. */
    receiveOlderPage(request: OlderRequest, page: TracePage): OlderOutcome {
      if (request.epoch !== epoch || paused.value === null) return 'stale';
      if (actions.isNewGeneration(page.generation)) {
        actions.resetForGeneration(page.generation);
        return 'generation-changed';
      }
      const view = paused.value;
      const next = page.next_before_seq ?? oldestCursor(page.traces);
      const done = !page.has_more || next === null;
      const older: OlderState = { before: next ?? request.before, status: done ? 'done' : 'idle', error: null };
      if (view.scope !== null) {
        const mine = page.traces.filter((t) => pipelineKey(t) === view.scope!.pipeline);
        const scopeNext = { ...view.scope, traces: appendOlder(view.scope.traces, mine).traces, more: !done };
        paused.value = { ...view, scope: scopeNext, older };
      } else {
        paused.value = { ...view, traces: appendOlder(view.traces, page.traces).traces, older };
      }
      return 'merged';
    },
    olderFailed(request: OlderRequest, message: string) {
      const view = paused.value;
      if (request.epoch !== epoch || view === null) return;
      paused.value = { ...view, older: { ...view.older, status: 'failed', error: message } };
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
        const previous = scopeOf(filter.value);
        filter.value = next;
        const pipeline = scopeOf(next);
        const startScope = (from: Trace[]): PipelineScope | null => (pipeline === null
          ? null
          : { pipeline, traces: from.filter((t) => pipelineKey(t) === pipeline), status: 'loading', more: false });
        scope.value = startScope(traces.value);
        // Paused, the view stays paused: a pipeline starts as what the view held of it until the server answers.
        const view = paused.value;
        if (view !== null && pipeline !== previous) setPaused({ traces: view.traces, scope: startScope(view.traces), older: OLDER_IDLE });
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
    auth, lastUpdated, notice, filter, scope, query, sort, expanded, theme, themeChosen, liveMessage, paused, held,
    shownTraces, shownScope, scopeTraces, filtered, visible, stats, pipelines, countsComplete, heldCount, heldFull, fresh, viewMode,
    actions,
  };
}

export type Model = ReturnType<typeof createModel>;
