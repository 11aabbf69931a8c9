import { describe, expect, it } from 'vitest';
import { makeSpan, makeTrace } from '../test/fixtures';
import { allTraceTags, sortTags, spanLabel, summaryChips, tagLabel } from './tags';

describe('tags', () => {
  it('labels known keys and strips the hayhooks prefix', () => {
    expect(tagLabel('hayhooks.transport')).toBe('transport');
    expect(tagLabel('hayhooks.custom.thing')).toBe('custom.thing');
    expect(tagLabel('other.key')).toBe('other.key');
  });

  it('dedupes and orders known keys first', () => {
    const sorted = sortTags([
      { key: 'zeta', value: '1' }, { key: 'hayhooks.transport', value: 'http' }, { key: 'alpha', value: '2' },
      { key: 'hayhooks.pipeline.name', value: 'upper' }, { key: 'zeta', value: 'dup' },
    ]);
    expect(sorted.map((t) => t.key)).toEqual(['hayhooks.pipeline.name', 'hayhooks.transport', 'alpha', 'zeta']);
    expect(sorted.at(-1)!.value).toBe('1');
  });

  it('summary chips: transport and status', () => {
    expect(summaryChips(makeTrace())).toEqual([
      { label: 'transport', value: 'http', tone: 'neutral', title: 'transport: http' },
      { label: 'status', value: 'ok', tone: 'ok', title: 'status: ok' },
    ]);
    expect(summaryChips(makeTrace({ status: 'running', running: true }))[1])
      .toEqual({ label: 'status', value: 'running', tone: 'running', title: 'status: running' });
  });

  it('a failed trace\'s chip names the error class alone, and its title the qualified name', () => {
    const failed = makeTrace({ tags: [], status: 'error', error: { type: 'haystack.core.errors.PipelineRuntimeError', message: 'x', stack: null } });
    expect(summaryChips(failed)).toEqual([
      { label: 'error', value: 'PipelineRuntimeError', tone: 'error', title: 'error: haystack.core.errors.PipelineRuntimeError' },
    ]);
    const builtin = makeTrace({ tags: [], status: 'error', error: { type: 'ValueError', message: 'x', stack: null } });
    expect(summaryChips(builtin)[0]).toMatchObject({ label: 'error', value: 'ValueError', title: 'error: ValueError' });
  });

  it('a failed trace without an error record still says it failed', () => {
    expect(summaryChips(makeTrace({ tags: [], status: 'error', error: null }))).toEqual([
      { label: 'error', value: 'failed', tone: 'error', title: 'error: failed' },
    ]);
  });

  it('component spans use the component name', () => {
    const span = makeSpan({ name: 'haystack.component.run', tags: [{ key: 'haystack.component.name', value: 'llm' }, { key: 'haystack.component.type', value: 'OpenAIGenerator' }] });
    expect(spanLabel(span)).toEqual({ title: 'llm', component: 'llm', componentType: 'OpenAIGenerator' });
    expect(spanLabel(makeSpan({ name: 'haystack.component.run' })).title).toBe('haystack.component.run');
    expect(spanLabel(makeSpan({ name: 'x' }))).toEqual({ title: 'x', component: null, componentType: null });
  });

  it('an agent\'s spans are labelled as its run, its LLM calls and its tool calls', () => {
    const tool = makeSpan({ name: 'haystack.agent.step.tool', tags: [{ key: 'haystack.tool.name', value: 'weather' }] });
    expect(spanLabel(tool)).toEqual({ title: 'weather', component: 'weather', componentType: 'tool call' });
    expect(spanLabel(makeSpan({ name: 'haystack.agent.step.tool' })).title).toBe('haystack.agent.step.tool');
    expect(spanLabel(makeSpan({ name: 'haystack.agent.step.llm' }))).toEqual({ title: 'LLM', component: null, componentType: 'agent step' });
    expect(spanLabel(makeSpan({ name: 'haystack.agent.run' })).title).toBe('agent');
    expect(tagLabel('haystack.tool.name')).toBe('tool');
  });

  it('all trace tags merge trace-level and root span tags', () => {
    const t = makeTrace({ tags: [{ key: 'a', value: '1' }], root_span: makeSpan({ tags: [{ key: 'b', value: '2' }, { key: 'a', value: 'x' }] }) });
    expect(allTraceTags(t)).toEqual([{ key: 'a', value: '1' }, { key: 'b', value: '2' }]);
  });
});
