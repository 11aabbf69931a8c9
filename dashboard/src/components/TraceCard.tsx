import { pure } from './pure';
import type { ReadonlySignal } from '@preact/signals';
import type { Trace } from '../types';
import { formatClock, formatDateTime, formatDuration, truncate } from '../lib/format';
import { summaryChips } from '../lib/tags';
import { Badge, KindBadge } from './Badge';
import { Icon } from './Icon';
import { TraceDetails } from './TraceDetails';
import './TraceCard.css';

type Props = {
  trace: Trace;
  fresh: boolean;
  expanded: boolean;
  /** Client clock (ms), for the elapsed time of running traces. */
  now: ReadonlySignal<number>;
  /** Called with the trace's `key` (one operation), not its trace_id. */
  onToggle(key: string): void;
};

/** Elapsed time of a running trace; only this small component re-renders every second. */
function Elapsed({ trace, now }: { trace: Trace; now: ReadonlySignal<number> }) {
  const elapsed = now.value - trace.start_time_ms;
  // The server's clock may differ from ours: only trust a plausible value.
  const best = elapsed >= 0 && elapsed < 86_400_000 ? Math.max(elapsed, trace.duration_ms) : trace.duration_ms;
  return <>{best > 0 ? formatDuration(best) : '…'}</>;
}

function TraceCardImpl({ trace, fresh, expanded, now, onToggle }: Props) {
  const detailsId = `trace-details-${trace.key}`;
  const tone = trace.status === 'error' ? 'error' : trace.running ? 'running' : trace.kind;
  const chips = summaryChips(trace);
  const slow = trace.slowest_component;
  const name = trace.entrypoint ?? (trace.kind === 'other' ? 'trace' : trace.kind);

  return (
    <article
      class={`card card--${tone}${fresh ? ' card--fresh' : ''}${expanded ? ' card--open' : ''}`}
      data-testid="trace-card"
      data-trace-id={trace.trace_id}
      data-key={trace.key}
      data-status={trace.status}
      data-kind={trace.kind}
      data-running={trace.running ? 'true' : 'false'}
    >
      <button
        type="button"
        class="card__summary"
        aria-expanded={expanded}
        aria-controls={detailsId}
        onClick={() => onToggle(trace.key)}
      >
        <Icon name="chevron" size={16} class="card__chevron" />
        <span class="card__body">
          <span class="card__line">
            <span class="card__name">{name}</span>
            <KindBadge trace={trace} />
            {trace.streaming && (
              <Badge tone="stream" testId="stream-badge" title="Streaming response">
                <Icon name="zap" size={10} />
                stream
              </Badge>
            )}
            {trace.running && (
              <Badge tone="running" testId="running-badge" title="Still in flight: updates when it finishes">
                <span class="badge__spinner" aria-hidden="true" />
                running
              </Badge>
            )}
            <span class="card__meta" title="Duration">
              <Icon name="timer" size={13} />
              <span class="card__strong">{trace.running ? <Elapsed trace={trace} now={now} /> : formatDuration(trace.duration_ms)}</span>
            </span>
            <span class="card__meta" title="Spans">
              <Icon name="layers" size={13} />
              {trace.span_count} span{trace.span_count === 1 ? '' : 's'}
            </span>
            <span class="card__meta" title={formatDateTime(trace.start_time_ms)}>
              <Icon name="clock" size={13} />
              {formatClock(trace.start_time_ms)}
            </span>
            {fresh && (
              <Badge tone="new" testId="new-badge">
                <span class="badge__dot" aria-hidden="true" />
                new
              </Badge>
            )}
          </span>
          <span class="card__line card__line--chips">
            {chips.map((chip) => (
              <span key={chip.label} class={`chip chip--${chip.tone}`} data-testid={`summary-chip-${chip.label}`} title={chip.title}>
                <span class="chip__key">{chip.label}</span>
                <span class="chip__value">{truncate(chip.value, 32)}</span>
              </span>
            ))}
            {slow !== null && (
              <span class="chip chip--warning" data-testid="slowest-chip" title={`Slowest component: ${slow.name}${slow.type ? ` (${slow.type})` : ''}, ${formatDuration(slow.duration_ms)}`}>
                <Icon name="timer" size={11} />
                <span class="chip__key">slowest</span>
                <span class="chip__value">{truncate(slow.name, 24)} · {formatDuration(slow.duration_ms)}</span>
              </span>
            )}
            {trace.usage !== null && trace.usage.total_tokens !== null && (
              <span class="chip chip--neutral" data-testid="usage-chip" title="LLM token usage">
                <Icon name="coins" size={11} />
                <span class="chip__value">{trace.usage.total_tokens.toLocaleString()} tokens</span>
              </span>
            )}
            {trace.worker !== null && (
              <span class="chip chip--worker" data-testid="worker-label" title={`Served by worker ${trace.worker}`}>
                <Icon name="cpu" size={11} />
                <span class="chip__value">{trace.worker}</span>
              </span>
            )}
          </span>
        </span>
      </button>
      {expanded && <TraceDetails id={detailsId} trace={trace} now={now} />}
    </article>
  );
}

export const TraceCard = pure(TraceCardImpl);
