// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { App } from './App';
import { createModel, type Model } from './state';
import type { Sync } from './sync';
import { DEFAULT_CONFIG } from './lib/normalize';
import { makePage, makeTrace } from './test/fixtures';

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
  act(() => render(<App model={model} sync={sync} />, host));
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

  it('shows per-worker and degraded states', () => {
    act(() => model.actions.applyConfig({ ...model.config.value, store: 'memory', consistent: false, degraded: true }));
    expect(q('view-mode')!.textContent).toContain('this worker only');
    expect(q('view-mode')!.className).toContain('warning');
    expect(q('degraded-badge')).not.toBeNull();
  });

  it('shows when the tracer keeps only some traces', () => {
    expect(q('sampling-note')).toBeNull();
    act(() => model.actions.applyConfig({ ...model.config.value, sampling: { rate: 0.25, description: 'TraceIdRatioBased{0.25}' } }));
    expect(q('sampling-note')!.textContent).toBe('sampled · 25 %');
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
});
