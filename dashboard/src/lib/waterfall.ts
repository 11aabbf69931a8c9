// Span waterfall layout: flattens the span tree (depth-first, children by start
// time) into rows whose bar offset/width are percentages of the root span.
import type { Span, Trace } from '../types';
import { PIPELINE_NAME_TAG, spanLabel, tagValue } from './tags';

export type WaterfallRow = {
  span: Span;
  depth: number;
  /** Bar start, % of the root span's extent, in [0, 100]. */
  offsetPct: number;
  /** Bar width, % of the root span's extent, in [minWidth, 100 - offsetPct]. */
  widthPct: number;
  title: string;
  component: string | null;
  componentType: string | null;
  /** Pipeline name when it differs from the enclosing pipeline (nested pipelines). */
  pipeline: string | null;
  isSlowest: boolean;
  running: boolean;
  /** The span says it failed (`status: 'error'`); false when it says ok, or does not say (an older server). */
  failed: boolean;
};

export const MIN_BAR_WIDTH_PCT = 0.6;

function spanEnd(span: Span): number {
  let end = span.start_time_ms + span.duration_ms;
  for (const child of span.children) end = Math.max(end, spanEnd(child));
  return end;
}

const MAX_PLAUSIBLE_ELAPSED_MS = 86_400_000;

/**
 * Extent of the trace: root duration, widened if a child (clock skew) ends later.
 * While the root is running, `nowMs` (client clock) extends it to the elapsed
 * time, unless the clocks disagree implausibly.
 */
export function traceExtent(root: Span, nowMs?: number): { start: number; total: number } {
  const start = root.start_time_ms;
  let total = Math.max(root.duration_ms, spanEnd(root) - start, 0);
  if (root.running && nowMs !== undefined) {
    const elapsed = nowMs - start;
    if (elapsed > total && elapsed < MAX_PLAUSIBLE_ELAPSED_MS) total = elapsed;
  }
  return { start, total };
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

export function barGeometry(span: Span, start: number, total: number, minWidth = MIN_BAR_WIDTH_PCT) {
  if (total <= 0) return { offsetPct: 0, widthPct: 100 };
  const offsetPct = clamp(((span.start_time_ms - start) / total) * 100, 0, 100 - minWidth);
  const rawWidth = span.running ? 100 - offsetPct : (span.duration_ms / total) * 100;
  const widthPct = clamp(rawWidth, minWidth, 100 - offsetPct);
  return { offsetPct, widthPct };
}

/** `nowMs`: client clock, used only while the trace is running. */
export function layoutWaterfall(trace: Trace, nowMs?: number, minWidth = MIN_BAR_WIDTH_PCT): WaterfallRow[] {
  const root = trace.root_span;
  const { start, total } = traceExtent(root, nowMs);
  const slowestId = trace.slowest_component?.span_id ?? null;
  const rows: WaterfallRow[] = [];
  const visit = (span: Span, depth: number, enclosingPipeline: string | null) => {
    const pipelineTag = tagValue(span.tags, PIPELINE_NAME_TAG) ?? null;
    const label = spanLabel(span);
    rows.push({
      span,
      depth,
      ...barGeometry(span, start, total, minWidth),
      title: label.title,
      component: label.component,
      componentType: label.componentType,
      pipeline: pipelineTag !== null && pipelineTag !== enclosingPipeline ? pipelineTag : null,
      isSlowest: slowestId !== null && slowestId !== '' && span.span_id === slowestId,
      running: span.running,
      failed: span.status === 'error',
    });
    const children = [...span.children].sort((a, b) => a.start_time_ms - b.start_time_ms);
    for (const child of children) visit(child, depth + 1, pipelineTag ?? enclosingPipeline);
  };
  visit(root, 0, trace.entrypoint);
  return rows;
}
