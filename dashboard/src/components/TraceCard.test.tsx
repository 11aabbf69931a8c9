// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { render } from 'preact';
import { signal } from '@preact/signals';
import { act } from 'preact/test-utils';
import { TraceCard } from './TraceCard';
import { makeSpan, makeTrace } from '../test/fixtures';
import type { Trace } from '../types';

let host: HTMLElement;

function mount(trace: Trace, props: Partial<{ fresh: boolean; expanded: boolean; onToggle: (id: string) => void }> = {}) {
  host = document.createElement('div');
  document.body.appendChild(host);
  act(() => {
    render(<TraceCard trace={trace} fresh={props.fresh ?? false} expanded={props.expanded ?? false} now={signal(0)} onToggle={props.onToggle ?? (() => {})} />, host);
  });
  return host;
}

afterEach(() => {
  render(null, host);
  host.remove();
});

const xss = '<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>';
const failed = makeTrace({
  seq: 1,
  status: 'error',
  error: { type: 'ValueError', message: xss, stack: 'Traceback (most recent call last):\n  boom' },
  tags: [{ key: 'hayhooks.transport', value: 'http' }, { key: 'evil', value: '<b>bold</b>' }],
  root_span: makeSpan({
    span_id: 'root', name: 'hayhooks.pipeline.run', start_time_ms: 0, duration_ms: 100,
    children: [makeSpan({ span_id: 'c', name: 'haystack.component.run', start_time_ms: 10, duration_ms: 50, tags: [{ key: 'haystack.component.name', value: 'exclaim' }, { key: 'haystack.component.type', value: 'Exclaim' }] })],
  }),
  slowest_component: { span_id: 'c', name: 'exclaim', type: 'Exclaim', duration_ms: 1500 },
});

describe('TraceCard', () => {
  it('exposes test ids and data attributes', () => {
    const el = mount(makeTrace({ seq: 2, kind: 'openai', streaming: true, worker: 'w:1' }));
    const card = el.querySelector('[data-testid=trace-card]') as HTMLElement;
    expect(card.dataset).toMatchObject({ traceId: 'trace-2', key: 'trace-2:root-2', status: 'ok', kind: 'openai' });
    expect(el.querySelector('[data-testid=kind-badge]')!.textContent).toBe('openai');
    expect(el.querySelector('[data-testid=stream-badge]')).not.toBeNull();
    expect(el.querySelector('[data-testid=worker-label]')!.textContent).toBe('w:1');
  });

  it('shows a failed badge instead of the kind and renders HTML in errors and tags as text', () => {
    const el = mount(failed, { expanded: true });
    expect(el.querySelector('[data-testid=kind-badge]')).toBeNull();
    expect(el.querySelector('[data-testid=failed-badge]')).not.toBeNull();
    const block = el.querySelector('[data-testid=error-block]')!;
    expect(block.textContent).toContain(xss);
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('script')).toBeNull();
    expect(el.querySelector('b')).toBeNull();
    expect((window as unknown as { __xss?: number }).__xss).toBeUndefined();
    const chip = el.querySelector('[data-tag-key=evil]') as HTMLElement;
    expect(chip.title).toBe('evil: <b>bold</b>');
  });

  it('a collapsed failed card names the error class; its title and the expanded error block, the qualified name', () => {
    const type = 'haystack.core.errors.PipelineRuntimeError';
    const trace = makeTrace({ seq: 7, status: 'error', error: { type, message: 'The following component failed to run', stack: null } });
    const collapsed = mount(trace);
    const chip = collapsed.querySelector('[data-testid=summary-chip-error]') as HTMLElement;
    expect(chip.textContent).toBe('errorPipelineRuntimeError');
    expect(chip.querySelector('.chip__value')!.textContent).toBe('PipelineRuntimeError');
    expect(chip.title).toBe(`error: ${type}`);
    act(() => render(null, host));
    host.remove();
    const open = mount(trace, { expanded: true });
    expect(open.querySelector('.error-block__type')!.textContent).toBe(type);
  });

  it('toggles the stack and shows the waterfall with component labels', () => {
    const el = mount(failed, { expanded: true });
    const stack = el.querySelector('[data-testid=error-stack]') as HTMLElement;
    expect(stack.hidden).toBe(true);
    const toggle = el.querySelector('[data-testid=error-stack-toggle]') as HTMLButtonElement;
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    act(() => toggle.click());
    expect(stack.hidden).toBe(false);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(stack.textContent).toContain('Traceback');
    const rows = [...el.querySelectorAll('[data-testid=span-row]')] as HTMLElement[];
    expect(rows).toHaveLength(2);
    expect(rows[1]!.textContent).toContain('exclaim');
    expect(rows[1]!.textContent).toContain('Exclaim');
    expect(rows[1]!.className).toContain('span-row--slowest');
    expect((rows[1]!.querySelector('.span-row__bar') as HTMLElement).style.left).toBe('10%');
    expect(el.querySelectorAll('[data-testid=slowest-chip]')).toHaveLength(1);
  });

  it('marks the failed spans in red and in their names, and gives each row its nesting level', () => {
    const validate = makeSpan({
      span_id: 'v', name: 'haystack.component.run', status: 'error', start_time_ms: 10, duration_ms: 5,
      tags: [{ key: 'haystack.component.name', value: 'validate' }, { key: 'haystack.component.type', value: 'Validate' }],
    });
    const inner = makeSpan({ span_id: 'p', name: 'haystack.pipeline.run', status: 'error', start_time_ms: 5, duration_ms: 20, children: [validate] });
    const older = makeSpan({ span_id: 'o', name: 'haystack.component.run', status: null, start_time_ms: 30, duration_ms: 5 });
    const root = makeSpan({ span_id: 'r', name: 'hayhooks.pipeline.run', status: 'ok', start_time_ms: 0, duration_ms: 100, children: [inner, older] });
    const el = mount(makeTrace({ seq: 8, status: 'error', root_span: root }), { expanded: true });
    const rows = [...el.querySelectorAll('[data-testid=span-row]')] as HTMLElement[];
    expect(rows.map((r) => r.dataset.status)).toEqual(['ok', 'error', 'error', 'unknown']);
    expect(rows.map((r) => r.closest('li')!.getAttribute('aria-level'))).toEqual(['1', '2', '3', '2']);
    const failedRow = rows[2]!;
    expect(failedRow.getAttribute('aria-label')).toBe('validate (Validate), 5 ms, failed');
    expect(failedRow.className).toContain('span-row--failed');
    expect(failedRow.querySelector('[data-testid=span-failed]')!.textContent).toBe('failed');
    for (const row of [rows[0]!, rows[3]!]) {
      expect(row.getAttribute('aria-label')).not.toContain('failed');
      expect(row.querySelector('[data-testid=span-failed]')).toBeNull();
    }
  });

  it('selecting a span shows its tags', () => {
    const el = mount(failed, { expanded: true });
    const rows = [...el.querySelectorAll('[data-testid=span-row]')] as HTMLButtonElement[];
    act(() => rows[1]!.click());
    const keys = [...el.querySelectorAll('[data-testid=tag-chip]')].map((c) => (c as HTMLElement).dataset.tagKey);
    expect(keys).toEqual(['haystack.component.name', 'haystack.component.type']);
  });

  it('summary button reports expansion and calls onToggle with the key (trace_id + root span id)', () => {
    const onToggle = vi.fn();
    const el = mount(makeTrace({ seq: 3 }), { onToggle });
    const button = el.querySelector('.card__summary') as HTMLButtonElement;
    expect(button.getAttribute('aria-expanded')).toBe('false');
    act(() => button.click());
    expect(onToggle).toHaveBeenCalledWith('trace-3:root-3');
  });

  it('shows running and NEW indicators, and usage', () => {
    const el = mount(makeTrace({ seq: 4, running: true, status: 'running', usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } }), { fresh: true });
    expect(el.querySelector('[data-testid=running-badge]')).not.toBeNull();
    expect(el.querySelector('[data-testid=new-badge]')).not.toBeNull();
    expect(el.querySelector('[data-testid=usage-chip]')!.textContent).toContain('42 tokens');
    expect((el.querySelector('[data-testid=trace-card]') as HTMLElement).dataset.status).toBe('running');
  });
});
