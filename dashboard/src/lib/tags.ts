// Tag helpers: lookups, readable labels, which tags make the collapsed summary.
import type { Span, Tag, Trace } from '../types';
import { shortTypeName } from './format';

export const COMPONENT_SPAN = 'haystack.component.run';
export const COMPONENT_NAME_TAG = 'haystack.component.name';
export const COMPONENT_TYPE_TAG = 'haystack.component.type';
export const PIPELINE_NAME_TAG = 'hayhooks.pipeline.name';
export const TRANSPORT_TAG = 'hayhooks.transport';

const LABELS: Record<string, string> = {
  'hayhooks.pipeline.name': 'pipeline',
  'hayhooks.transport': 'transport',
  'hayhooks.route': 'route',
  'hayhooks.success': 'success',
  'hayhooks.error.type': 'error',
  'hayhooks.error.message': 'error message',
  'hayhooks.http.status_code': 'http',
  'hayhooks.payload.values': 'payload',
  'hayhooks.payload.has_files': 'has files',
  'hayhooks.openai.operation': 'openai op',
  'hayhooks.openai.stream_requested': 'stream',
  'hayhooks.response.streaming': 'streaming',
  'haystack.component.name': 'component',
  'haystack.component.type': 'type',
  'haystack.tool.name': 'tool',
};

const PRIORITY = [
  'hayhooks.pipeline.name', 'hayhooks.transport', 'hayhooks.route', 'hayhooks.http.status_code',
  'hayhooks.success', 'hayhooks.error.type', 'hayhooks.payload.values', 'hayhooks.payload.has_files',
];

export function tagValue(tags: readonly Tag[], key: string): string | undefined {
  return tags.find((t) => t.key === key)?.value;
}

export function tagLabel(key: string): string {
  return LABELS[key] ?? key.replace(/^hayhooks\./, '');
}

/** Deduplicated (first wins) and ordered: known keys first, then alphabetical. */
export function sortTags(tags: readonly Tag[]): Tag[] {
  const seen = new Map<string, Tag>();
  for (const tag of tags) if (!seen.has(tag.key)) seen.set(tag.key, tag);
  const rank = (key: string) => {
    const i = PRIORITY.indexOf(key);
    return i === -1 ? PRIORITY.length : i;
  };
  return [...seen.values()].sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
}

/** `title`: the chip's tooltip, with the value in full. */
export type SummaryChip = { label: string; value: string; tone: 'neutral' | 'ok' | 'error' | 'running'; title: string };

function chip(label: string, value: string, tone: SummaryChip['tone'], full = value): SummaryChip {
  return { label, value, tone, title: `${label}: ${full}` };
}

/**
 * The two chips of a collapsed card: transport, and status or error. An error chip names the error's class alone
 * ("PipelineRuntimeError"): its module would fill the chip and cut the name off; the title has the qualified name.
 */
export function summaryChips(trace: Trace): SummaryChip[] {
  const chips: SummaryChip[] = [];
  const transport = tagValue(trace.tags, TRANSPORT_TAG) ?? tagValue(trace.root_span.tags, TRANSPORT_TAG);
  if (transport !== undefined) chips.push(chip('transport', transport, 'neutral'));
  if (trace.status === 'running') chips.push(chip('status', 'running', 'running'));
  else if (trace.status === 'error') {
    const type = trace.error?.type ?? 'failed';
    chips.push(chip('error', shortTypeName(type), 'error', type));
  } else chips.push(chip('status', 'ok', 'ok'));
  return chips;
}

export const AGENT_RUN_SPAN = 'haystack.agent.run';
export const AGENT_LLM_SPAN = 'haystack.agent.step.llm';
export const AGENT_TOOL_SPAN = 'haystack.agent.step.tool';
export const TOOL_NAME_TAG = 'haystack.tool.name';

/** Readable label for a span: component spans show their component name, an agent's tool calls their tool. */
export function spanLabel(span: Span): { title: string; component: string | null; componentType: string | null } {
  if (span.name === COMPONENT_SPAN) {
    const component = tagValue(span.tags, COMPONENT_NAME_TAG) ?? null;
    const componentType = tagValue(span.tags, COMPONENT_TYPE_TAG) ?? null;
    return { title: component ?? span.name, component, componentType };
  }
  if (span.name === AGENT_TOOL_SPAN) {
    const tool = tagValue(span.tags, TOOL_NAME_TAG) ?? null;
    return { title: tool ?? span.name, component: tool, componentType: 'tool call' };
  }
  if (span.name === AGENT_LLM_SPAN) return { title: 'LLM', component: null, componentType: 'agent step' };
  if (span.name === AGENT_RUN_SPAN) return { title: 'agent', component: null, componentType: 'Agent' };
  return { title: span.name, component: null, componentType: null };
}

/** All tags shown in the expanded view: trace-level tags, then the root span's own. */
export function allTraceTags(trace: Trace): Tag[] {
  return sortTags([...trace.tags, ...trace.root_span.tags]);
}
