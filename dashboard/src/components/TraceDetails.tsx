import { useState } from 'preact/hooks';
import type { ReadonlySignal } from '@preact/signals';
import type { Span, Trace } from '../types';
import { allTraceTags, sortTags, spanLabel } from '../lib/tags';
import { downloadTrace } from '../lib/download';
import { formatClock, formatDateTime, formatDuration } from '../lib/format';
import { CopyButton } from './CopyButton';
import { ErrorBlock } from './ErrorBlock';
import { Icon } from './Icon';
import { TagList } from './TagList';
import { Waterfall } from './Waterfall';
import './TraceDetails.css';

type Props = { id: string; trace: Trace; now: ReadonlySignal<number> };

function findSpan(span: Span, id: string): Span | null {
  if (span.span_id === id) return span;
  for (const child of span.children) {
    const found = findSpan(child, id);
    if (found !== null) return found;
  }
  return null;
}

export function TraceDetails({ id, trace, now }: Props) {
  const root = trace.root_span;
  const [selectedId, setSelectedId] = useState(root.span_id);
  const selected = findSpan(root, selectedId) ?? root;
  const isRoot = selected === root;
  const tags = isRoot ? allTraceTags(trace) : sortTags(selected.tags);
  const usage = trace.usage;

  return (
    <div class="details" id={id}>
      {trace.error !== null && <ErrorBlock error={trace.error} traceKey={trace.key} />}

      <div class="details__meta">
        <span class="details__field">
          <span class="details__label">Trace</span>
          <CopyButton text={trace.trace_id} label="Copy trace ID" class="details__id" testId="copy-trace-id">
            <span class="mono">{trace.trace_id}</span>
          </CopyButton>
        </span>
        {trace.worker !== null && (
          <span class="details__field">
            <span class="details__label">Worker</span>
            <span class="mono">{trace.worker}</span>
          </span>
        )}
        <span class="details__field" title={formatDateTime(trace.start_time_ms)}>
          <span class="details__label">Started</span>
          {formatClock(trace.start_time_ms)}
        </span>
        <button type="button" class="btn btn--outline details__download" data-testid="download-json" onClick={() => downloadTrace(trace)}>
          <Icon name="download" />
          Download JSON
        </button>
      </div>

      {usage !== null && (
        <div class="details__usage" data-testid="usage">
          <Icon name="coins" size={13} />
          <span class="details__label">Tokens</span>
          <span><strong>{usage.total_tokens?.toLocaleString() ?? '—'}</strong> total</span>
          {usage.prompt_tokens !== null && <span>{usage.prompt_tokens.toLocaleString()} prompt</span>}
          {usage.completion_tokens !== null && <span>{usage.completion_tokens.toLocaleString()} completion</span>}
        </div>
      )}

      <section class="details__section" aria-label="Tags">
        <h3 class="details__heading">
          <Icon name="tag" size={13} />
          Tags
          <span class="details__sub">
            {isRoot ? 'trace' : spanLabel(selected).title} · {tags.length}
          </span>
        </h3>
        <TagList tags={tags} />
      </section>

      <section class="details__section" aria-label="Spans">
        <h3 class="details__heading">
          <Icon name="activity" size={13} />
          Spans
          <span class="details__sub">{trace.span_count} · select a span to see its tags</span>
          {trace.slowest_component !== null && (
            <span class="details__slowest" data-testid="slowest-component">
              <Icon name="timer" size={12} />
              Slowest component <strong>{trace.slowest_component.name}</strong>
              {formatDuration(trace.slowest_component.duration_ms)}
            </span>
          )}
        </h3>
        <Waterfall trace={trace} now={now} selectedSpanId={selected.span_id} onSelect={setSelectedId} />
      </section>
    </div>
  );
}
