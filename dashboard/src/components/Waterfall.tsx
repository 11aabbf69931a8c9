import type { ReadonlySignal } from '@preact/signals';
import type { Trace } from '../types';
import { layoutWaterfall, traceExtent, type WaterfallRow } from '../lib/waterfall';
import { formatDuration } from '../lib/format';
import { Icon } from './Icon';
import './Waterfall.css';

type Props = {
  trace: Trace;
  /** Client clock; read only while the trace runs, so finished traces never re-render on ticks. */
  now: ReadonlySignal<number>;
  selectedSpanId: string;
  onSelect(spanId: string): void;
};

const INDENT_PX = 14;

/** The row's accessible name: what the span is, how long it took, and what marks it (failed, slowest). */
function rowLabel(row: WaterfallRow): string {
  const type = row.componentType ? ` (${row.componentType})` : '';
  const duration = row.running ? 'running' : formatDuration(row.span.duration_ms);
  return `${row.title}${type}, ${duration}${row.failed ? ', failed' : ''}${row.isSlowest ? ', slowest component' : ''}`;
}

/**
 * Nested span rows with duration bars positioned relative to the root span. The nesting is the rows' `aria-level`
 * (1 for the root) as well as their indent; a failed span is marked in red and named so.
 */
export function Waterfall({ trace, now, selectedSpanId, onSelect }: Props) {
  const nowMs = trace.running ? now.value : undefined;
  const rows = layoutWaterfall(trace, nowMs);
  const { total } = traceExtent(trace.root_span, nowMs);
  return (
    <div class="waterfall">
      <div class="waterfall__axis" aria-hidden="true">
        <span>Span</span>
        <span class="waterfall__axis-duration">Duration</span>
        <span class="waterfall__ticks">
          <span>0</span>
          <span>{formatDuration(total / 2)}</span>
          <span>{formatDuration(total)}</span>
        </span>
      </div>
      <ol class="waterfall__rows" aria-label="Spans">
        {rows.map((row) => {
          const selected = row.span.span_id === selectedSpanId;
          const classes = [
            'span-row', selected && 'span-row--selected', row.isSlowest && 'span-row--slowest', row.running && 'span-row--running',
            row.failed && 'span-row--failed',
          ].filter(Boolean).join(' ');
          return (
            <li key={row.span.span_id || `${row.depth}-${row.title}`} aria-level={row.depth + 1}>
              <button
                type="button"
                class={classes}
                data-testid="span-row"
                data-span-id={row.span.span_id}
                data-depth={row.depth}
                data-status={row.span.status ?? 'unknown'}
                aria-pressed={selected}
                aria-label={rowLabel(row)}
                onClick={() => onSelect(row.span.span_id)}
              >
                <span class="span-row__label" style={{ paddingLeft: `${row.depth * INDENT_PX}px` }}>
                  <Icon name="layers" size={12} class="span-row__icon" />
                  <span class={`span-row__name${row.component !== null ? ' span-row__name--component' : ''}`} title={row.span.name}>
                    {row.title}
                  </span>
                  {row.componentType !== null && <span class="span-row__type">{row.componentType}</span>}
                  {row.pipeline !== null && <span class="span-row__pipeline" title={`Pipeline ${row.pipeline}`}>{row.pipeline}</span>}
                  {row.failed && <span class="span-row__failed" data-testid="span-failed">failed</span>}
                  {row.isSlowest && <span class="span-row__slow">slowest</span>}
                </span>
                <span class="span-row__duration">{row.running ? 'running' : formatDuration(row.span.duration_ms)}</span>
                <span class="span-row__track" aria-hidden="true">
                  <span class="span-row__bar" style={{ left: `${row.offsetPct}%`, width: `${row.widthPct}%` }} />
                </span>
              </button>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
