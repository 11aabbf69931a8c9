// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { App } from './App';
import { createModel, type Model } from './state';
import type { Sync } from './sync';
import type { DashboardConfig } from './types';
import { DEFAULT_CONFIG } from './lib/normalize';
import { makePage, makeSpan, makeTrace } from './test/fixtures';

let host: HTMLElement;
let model: Model;
let sync: Sync & { clear: ReturnType<typeof vi.fn>; login: ReturnType<typeof vi.fn> };

const q = <T extends Element = HTMLElement>(testId: string) => host.querySelector(`[data-testid="${testId}"]`) as T | null;
const click = (el: Element | null) => act(() => (el as HTMLElement).click());

beforeEach(() => {
  model = createModel('light');
  sync = {
    start: vi.fn(async () => {}),
    stop: vi.fn(),
    refresh: vi.fn(async () => {}),
    clear: vi.fn(async () => {
      model.actions.resetForGeneration(2);
      return 'Cleared 3 traces';
    }),
    login: vi.fn(async () => true),
    loadOlder: vi.fn(async () => {}),
  };
  model.actions.applyConfig({ ...DEFAULT_CONFIG, store: 'redis', consistent: true, workers: ['a:1', 'b:2'], generation: 1 });
  model.actions.setEntrypoints(['chat', 'upper']);
  model.actions.receivePage(makePage([
    makeTrace({ seq: 1, entrypoint: 'upper', duration_ms: 10 }),
    makeTrace({ seq: 2, entrypoint: 'chat', duration_ms: 30, status: 'error', error: { type: 'ValueError', message: 'bad', stack: null } }),
    makeTrace({ seq: 3, entrypoint: 'upper', duration_ms: 20 }),
  ]), false);
  host = document.createElement('div');
  document.body.appendChild(host);
  act(() => render(<App model={model} sync={sync} apiBase="/dashboard/api" />, host));
});

afterEach(() => {
  act(() => render(null, host));
  host.remove();
});

describe('App', () => {
  it('renders header state, stats and the list', () => {
    expect(q('view-mode')!.textContent).toBe('2 workers · shared via Redis');
    expect(q('degraded-badge')).toBeNull();
    expect(q('stat-count')!.textContent).toBe('3');
    expect(q('stat-failures')!.textContent).toBe('1');
    expect(q('stat-avg')!.textContent).toBe('20 ms');
    expect(q('stat-p50')!.textContent).toBe('20 ms');
    expect(q('stat-p95')!.textContent).toBe('30 ms');
    expect(host.querySelectorAll('[data-testid=trace-card]')).toHaveLength(3);
    expect(q('live-announcer')!.getAttribute('aria-live')).toBe('polite');
  });

  describe('says what the view shows and what a clear reaches', () => {
    const modes: Record<'shared' | 'single' | 'perWorker' | 'degraded', Partial<DashboardConfig>> = {
      shared: { store: 'redis', consistent: true, degraded: false, workers: ['a:1', 'b:2'], configured_workers: 2 },
      single: { store: 'memory', consistent: true, degraded: false, workers: ['a:1'], configured_workers: 1 },
      perWorker: { store: 'memory', consistent: false, degraded: false, workers: ['a:1'], configured_workers: 2 },
      degraded: { store: 'redis', consistent: true, degraded: true, workers: ['a:1'], configured_workers: 4 },
    };
    const show = (mode: keyof typeof modes) => act(() => model.actions.applyConfig({ ...model.config.value, ...modes[mode] }));
    const dialog = () => ({
      title: host.querySelector('#confirm-title')!.textContent,
      body: host.querySelector('#confirm-body')!.textContent,
    });

    it('shared via Redis: clear reaches every worker', () => {
      show('shared');
      expect(q('view-mode')!.textContent).toBe('2 workers · shared via Redis');
      expect(q('degraded-badge')).toBeNull();
      expect(q('clear-button')!.title).toBe('Clear the traces of every worker (shared via Redis)');
      click(q('clear-button'));
      expect(dialog()).toEqual({
        title: 'Clear all traces?',
        body: 'This removes every stored trace for all workers and all viewers of this dashboard. It cannot be undone.',
      });
    });

    it('a single worker: clear empties its memory', () => {
      show('single');
      expect(q('view-mode')!.textContent).toBe('1 worker · in memory');
      expect(q('clear-button')!.title).toBe('Clear all traces');
      click(q('clear-button'));
      expect(dialog()).toEqual({
        title: 'Clear all traces?',
        body: 'This removes every stored trace for all viewers of this dashboard. It cannot be undone.',
      });
    });

    it('several workers without Redis: the configured count, and clear reaches one worker', () => {
      show('perWorker');
      expect(q('view-mode')!.textContent).toBe('2 workers · this worker only');
      expect(q('view-mode')!.className).toContain('warning');
      expect(q('clear-button')!.title).toBe('Clear the traces of the worker that answers; the other workers keep theirs');
      click(q('clear-button'));
      expect(dialog()).toEqual({
        title: "Clear one worker's traces?",
        body: "Each worker keeps its own traces: this removes only those of the worker that answers, not the other workers'. It cannot be undone.",
      });
    });

    it('degraded: this worker only, and nothing to clear until Redis returns', () => {
      show('degraded');
      expect(q('view-mode')!.textContent).toBe('this worker only (Redis unreachable)');
      expect(q('view-mode')!.className).toContain('warning');
      expect(q('view-mode')!.textContent).not.toContain('shared');
      expect(q('degraded-badge')).not.toBeNull();
      expect(q<HTMLButtonElement>('clear-button')!.disabled).toBe(true);
      expect(q('clear-button')!.title).toBe('Redis is unreachable: nothing can be cleared until it reconnects.');
      expect(dialog().body).toBe('Redis is unreachable: nothing can be cleared until it reconnects.');
    });
  });

  it('announces a change of connection state politely, and nothing on a poll', () => {
    const chip = q('live-status')!;
    expect(chip.getAttribute('role')).toBe('status');
    expect(chip.getAttribute('aria-live')).toBe('polite');
    act(() => model.actions.setConnection('live'));
    expect(chip.textContent).toBe('Live');
    act(() => model.actions.setConnection('reconnecting'));
    expect(chip.textContent).toBe('Reconnecting…');
    act(() => model.actions.setConnection('polling'));
    const polling = chip.textContent;
    const title = chip.title;
    act(() => {
      model.lastUpdated.value = Date.now() + 60_000;
      model.actions.setConnection('polling');
    });
    expect(chip.textContent).toBe(polling);
    expect(chip.title).not.toBe(title);
  });

  it('shows when the tracer keeps only some traces', () => {
    expect(q('sampling-note')).toBeNull();
    act(() => model.actions.applyConfig({ ...model.config.value, sampling: { rate: 0.25, description: 'TraceIdRatioBased{0.25}' } }));
    expect(q('sampling-note')!.textContent).toBe('sampled · 25 %');
  });

  it('says when the server captures no trace: a header chip and an empty list that tells why', () => {
    expect(q('capture-off')).toBeNull();
    act(() => {
      model.actions.applyConfig({ ...model.config.value, capturing: false, sampling: { rate: 1, description: 'AlwaysOn' } });
      model.actions.resetForGeneration(2);
    });
    expect(q('capture-off')!.textContent).toBe('capture off');
    expect(q('capture-off')!.title).toContain('OTEL_SDK_DISABLED=true turns tracing off');
    expect(q('sampling-note')).toBeNull();
    expect(q('empty-state')).toBeNull();
    const empty = q('empty-capture-off')!;
    expect(empty.textContent).toContain('Traces are not being captured');
    expect(empty.textContent).toContain('OTEL_SDK_DISABLED=true');
    expect(empty.textContent).not.toContain('curl');
  });

  it('the empty list suggests a command with the example body of the pipeline it names, {} without one', () => {
    act(() => {
      model.actions.setExamples(new Map([['chat', '{"question":"it\'s"}']]));
      model.actions.resetForGeneration(2);
    });
    expect(q('empty-command')!.textContent).toMatch(/^curl -X POST http:\/\/[^ ]+\/chat\/run -H 'Content-Type: application\/json' -d '\{"question":"it'\\''s"\}'$/);
    click(q('filter-upper'));
    // Until the server answers about upper, the list is loading: it says nothing about the store.
    expect(q('empty-state')).toBeNull();
    expect(q('trace-list')!.getAttribute('aria-busy')).toBe('true');
    act(() => void model.actions.receiveScopePage('upper', makePage([], { generation: 2 }), 100));
    expect(q('empty-state')!.textContent).toContain('No traces of upper in the store');
    expect(q('empty-command')!.textContent).toMatch(/\/upper\/run .* -d '\{\}'$/);
  });

  it('while the store is unreachable, an empty filtered list says it looked at this worker, not the store', () => {
    act(() => {
      model.actions.applyConfig({ ...model.config.value, degraded: true, generation: 2 });
      model.actions.resetForGeneration(2);
    });
    click(q('filter-upper'));
    act(() => void model.actions.receiveScopePage('upper', makePage([], { generation: 2 }), 100));
    expect(q('empty-state')!.textContent).toContain('No traces of upper on this worker');
    expect(q('empty-state')!.textContent).not.toContain('in the store');
  });

  describe('a store holding more than the browser loaded', () => {
    const stored = (n: number) => ({ stored: n, capacity: 200, dropped: 0, stragglers: 0, pending: 0 });
    const greet = (seq: number, status: 'ok' | 'error' = 'ok') =>
      makeTrace({ seq, entrypoint: 'greet', duration_ms: seq, status, error: status === 'error' ? { type: 'E', message: 'x', stack: null } : null });

    beforeEach(() => {
      act(() => {
        model.actions.setEntrypoints(['chat', 'greet', 'upper']);
        model.actions.applyConfig({ ...model.config.value, stats: stored(200) });
      });
    });

    it('the counts say they count the loaded traces, and a pipeline none of them is of shows –, not 0', () => {
      expect(q('count-greet')!.textContent).toBe('–');
      expect(q('count-greet')!.getAttribute('aria-label')).toBe('none among the 3 newest traces loaded: filter on it to read the store');
      expect(q('count-upper')!.textContent).toBe('2');
      expect(q('count-upper')!.getAttribute('aria-label')).toBe('2 traces among the 3 newest traces loaded');
      expect(q('counts-note')!.textContent).toContain('3 newest traces loaded');
      act(() => model.actions.pause());
      expect(q('counts-note')!.textContent).toContain('Counts of the 3 traces shown');
      expect(q('count-upper')!.getAttribute('aria-label')).toBe('2 traces among the 3 traces shown');
      act(() => model.actions.resume());
      act(() => model.actions.applyConfig({ ...model.config.value, stats: stored(3) }));
      expect(q('count-greet')!.textContent).toBe('0');
      expect(q('counts-note')).toBeNull();
    });

    it("filtering on a pipeline shows the server's traces of it, counted and summed up, and stays live", () => {
      click(q('filter-greet'));
      expect(q('trace-list')!.getAttribute('aria-busy')).toBe('true');
      act(() => void model.actions.receiveScopePage('greet', makePage([greet(5, 'error'), greet(4)]), 100));
      const ids = () => [...host.querySelectorAll('[data-testid=trace-card]')].map((c) => (c as HTMLElement).dataset.traceId);
      expect(ids()).toEqual(['trace-5', 'trace-4']);
      expect(q('count-greet')!.textContent).toBe('2');
      expect(q('count-greet')!.getAttribute('aria-label')).toBe('2 traces in the store');
      expect(q('stat-count')!.textContent).toBe('2');
      expect(q('stat-failures')!.textContent).toBe('1');
      expect(q('stat-avg')!.textContent).toBe('4.5 ms');
      act(() => model.actions.receiveTrace(greet(6)));
      act(() => model.actions.receiveTrace(makeTrace({ seq: 7, entrypoint: 'upper' })));
      expect(ids()).toEqual(['trace-6', 'trace-5', 'trace-4']);
      expect(q('stat-count')!.textContent).toBe('3');
      click(q('filter-all'));
      expect(ids()).toEqual(['trace-7', 'trace-6', 'trace-3', 'trace-2', 'trace-1']);
      expect(q('stat-count')!.textContent).toBe('5');
    });

    it('a search over the loaded traces says so, not that the store has none', () => {
      const input = q<HTMLInputElement>('search-input')!;
      act(() => {
        input.value = 'nothing-like-this';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      expect(q('empty-filtered')!.textContent).toContain('looks through the traces loaded here');
    });
  });

  it('the example command runs the pipeline at the server root, whatever the dashboard path', () => {
    const origin = window.location.origin;
    act(() => render(<App model={model} sync={sync} apiBase="/hh/ops/traces/api" />, host));
    act(() => {
      model.actions.applyConfig({ ...model.config.value, dashboard_path: '/ops/traces' });
      model.actions.resetForGeneration(2);
    });
    expect(q('empty-command')!.textContent).toContain(`-X POST ${origin}/hh/chat/run -H`);
    act(() => render(<App model={model} sync={sync} apiBase="/ops/traces/api" />, host));
    expect(q('empty-command')!.textContent).toContain(`-X POST ${origin}/chat/run -H`);
  });

  it('filters by pipeline with counts, and stats follow the filter', () => {
    expect(q('filter-upper')!.textContent).toContain('2');
    click(q('filter-upper'));
    expect(q('filter-upper')!.getAttribute('aria-pressed')).toBe('true');
    expect(host.querySelectorAll('[data-testid=trace-card]')).toHaveLength(2);
    expect(q('stat-count')!.textContent).toBe('2');
    expect(q('stat-failures')!.textContent).toBe('0');
    click(q('filter-all'));
    expect(host.querySelectorAll('[data-testid=trace-card]')).toHaveLength(3);
  });

  it('search and sort', () => {
    const input = q<HTMLInputElement>('search-input')!;
    act(() => {
      input.value = 'valueerror';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    expect([...host.querySelectorAll('[data-testid=trace-card]')].map((c) => (c as HTMLElement).dataset.traceId)).toEqual(['trace-2']);
    act(() => {
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    click(q('sort-toggle'));
    expect([...host.querySelectorAll('[data-testid=trace-card]')].map((c) => (c as HTMLElement).dataset.traceId)).toEqual(['trace-2', 'trace-3', 'trace-1']);
  });

  describe('operations sharing a trace_id (one traceparent sent on several calls)', () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const op = (seq: number, spanId: string) => makeTrace({ seq, trace_id: traceId, entrypoint: 'upper', root_span: makeSpan({ span_id: spanId }) });
    const sameTrace = () => [...host.querySelectorAll(`[data-testid=trace-card][data-trace-id="${traceId}"]`)] as HTMLElement[];

    beforeEach(() => {
      act(() => {
        model.actions.receivePage(makePage([op(5, 'b7ad6b7169203331'), op(4, '00f067aa0ba902b7')]), false);
      });
    });

    it('renders one card per operation', () => {
      expect(host.querySelectorAll('[data-testid=trace-card]')).toHaveLength(5);
      expect(sameTrace().map((c) => c.dataset.key)).toEqual([`${traceId}:b7ad6b7169203331`, `${traceId}:00f067aa0ba902b7`]);
      expect(q('stat-count')!.textContent).toBe('5');
    });

    it('expanding one card does not expand the other', () => {
      const [first, second] = sameTrace();
      click(first!.querySelector('.card__summary'));
      const [openFirst, openSecond] = sameTrace();
      expect(openFirst!.querySelector('.card__summary')!.getAttribute('aria-expanded')).toBe('true');
      expect(openFirst!.querySelector('.details')).not.toBeNull();
      expect(openSecond!.querySelector('.card__summary')!.getAttribute('aria-expanded')).toBe('false');
      expect(openSecond!.querySelector('.details')).toBeNull();
      expect(second!.dataset.key).toBe(openSecond!.dataset.key);
      // the details of each card get their own element id
      click(openSecond!.querySelector('.card__summary'));
      const ids = sameTrace().map((c) => c.querySelector('.details')!.id);
      expect(new Set(ids).size).toBe(2);
      expect(ids.map((id) => host.querySelectorAll(`[id="${id}"]`).length)).toEqual([1, 1]);
    });

    it('the running snapshot and the final record of one operation stay one card', () => {
      const running = makeTrace({ seq: 6, trace_id: traceId, entrypoint: 'upper', root_span: makeSpan({ span_id: '53995c3f42cd8ad8', running: true }), running: true, status: 'running' });
      act(() => model.actions.receiveTrace(running));
      expect(sameTrace()).toHaveLength(3);
      act(() => model.actions.receiveTrace({ ...running, running: false, status: 'ok', cursor: '1700000000099-0', root_span: { ...running.root_span, running: false } }));
      expect(sameTrace()).toHaveLength(3);
      expect(sameTrace().map((c) => c.dataset.running)).toEqual(['false', 'false', 'false']);
    });
  });

  it('toggles the theme', () => {
    click(q('theme-toggle'));
    expect(model.theme.value).toBe('dark');
    expect(q('theme-toggle')!.getAttribute('aria-pressed')).toBe('true');
  });

  it('clears only after confirmation', async () => {
    click(q('clear-button'));
    expect(sync.clear).not.toHaveBeenCalled();
    expect(q<HTMLDialogElement>('confirm-dialog')!.open).toBe(true);
    await act(async () => q('clear-confirm')!.click());
    expect(sync.clear).toHaveBeenCalledTimes(1);
    expect(host.querySelectorAll('[data-testid=trace-card]')).toHaveLength(0);
    expect(host.textContent).toContain('Cleared 3 traces');
    expect(q('empty-state')).not.toBeNull();
  });

  it('prompts for a token on 401 and submits it', async () => {
    act(() => model.actions.setAuth('required'));
    const input = q<HTMLInputElement>('token-input')!;
    act(() => {
      input.value = 's3cret';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(async () => q('token-submit')!.click());
    expect(sync.login).toHaveBeenCalledWith('s3cret');
    act(() => model.actions.setAuth('wrong'));
    expect(q('token-error')!.textContent).toContain('Wrong token');
  });

  describe('pause and older traces', () => {
    const cardCount = () => host.querySelectorAll('[data-testid=trace-card]').length;

    it('pausing holds the list and counts what waits; resuming shows it', () => {
      expect(q('pause-toggle')!.getAttribute('aria-label')).toBe('Pause the live feed');
      click(q('pause-toggle'));
      expect(q('pause-toggle')!.getAttribute('aria-label')).toBe('Paused · 0 new — Resume');
      act(() => model.actions.receiveTrace(makeTrace({ seq: 4, entrypoint: 'chat' })));
      act(() => model.actions.receiveTrace(makeTrace({ seq: 5, entrypoint: 'upper' })));
      expect(q('paused-status')!.textContent).toBe('Paused · 2 new');
      expect(cardCount()).toBe(3);
      expect(q('stat-count')!.textContent).toBe('3');
      expect(q('filter-all')!.textContent).toContain('3');
      click(q('filter-upper'));
      expect(q('paused-status')!.textContent).toBe('Paused · 1 new');
      click(q('filter-all'));
      click(q('pause-toggle'));
      expect(q('pause-toggle')!.getAttribute('data-paused')).toBe('false');
      expect(cardCount()).toBe(5);
      expect(q('stat-count')!.textContent).toBe('5');
    });

    it('the list heading says live, and paused while paused', () => {
      expect(q('traces-heading')!.textContent).toBe('Live traces');
      click(q('pause-toggle'));
      expect(q('traces-heading')!.textContent).toBe('Traces (paused)');
      click(q('pause-toggle'));
      expect(q('traces-heading')!.textContent).toBe('Live traces');
    });

    it('the resume button says the list goes back to the newest list_cap', () => {
      click(q('pause-toggle'));
      expect(q('pause-toggle')!.title).toContain('back to the newest 100 traces');
    });

    it('the end of the list loads older traces, then says when the store has none', () => {
      expect(q('load-older')!.textContent).toBe('Load older traces');
      click(q('load-older'));
      expect(sync.loadOlder).toHaveBeenCalledTimes(1);
      act(() => {
        const started = model.actions.startOlder()!;
        model.actions.receiveOlderPage(started, makePage([makeTrace({ seq: 0, entrypoint: 'upper' })], { has_more: false }));
      });
      expect(cardCount()).toBe(4);
      expect(q('load-older')).toBeNull();
      expect(q('older-none')!.textContent).toBe('No older traces in the store');
      expect(q('pause-toggle')!.getAttribute('data-paused')).toBe('true');
      expect(q('filter-upper')!.textContent).toContain('3');
    });

    it('a failed read shows inline, the list stays', () => {
      act(() => {
        const started = model.actions.startOlder()!;
        model.actions.olderFailed(started, 'HTTP 503: busy');
      });
      expect(q('older-error')!.getAttribute('role')).toBe('alert');
      expect(q('older-error')!.textContent).toBe('Could not load older traces: HTTP 503: busy');
      expect(q('load-older')!.textContent).toBe('Load older traces');
      expect(cardCount()).toBe(3);
    });

    it('a paused view past list_cap says resuming goes back to the newest', () => {
      act(() => model.actions.applyConfig({ ...model.config.value, list_cap: 3 }));
      expect(q('older-paused-note')).toBeNull();
      act(() => {
        const started = model.actions.startOlder()!;
        model.actions.receiveOlderPage(started, makePage([makeTrace({ seq: 0 })], { has_more: true, next_before_seq: makeTrace({ seq: 0 }).cursor }));
      });
      expect(q('older-paused-note')!.textContent).toContain('resuming goes back to the newest 3');
    });

    it('no load-older button on an empty list', () => {
      expect(q('load-older')).not.toBeNull();
      act(() => model.actions.resetForGeneration(2));
      expect(q('load-older')).toBeNull();
    });
  });
});
