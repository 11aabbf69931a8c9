import type { ComponentChildren } from 'preact';
import { useApp } from '../context';
import { formatDateTime, formatDuration, formatRelative } from '../lib/format';
import { Sparkline } from './Sparkline';
import './StatsBar.css';

type StatProps = { label: string; hint?: string | undefined; testId: string; tone?: 'error' | undefined; title?: string | undefined; children: ComponentChildren };

function Stat({ label, hint, testId, tone, title, children }: StatProps) {
  return (
    <div class="stat" title={title}>
      <dt class="stat__label">
        {label}
        {hint !== undefined && <span class="stat__hint"> · {hint}</span>}
      </dt>
      <dd class={`stat__value${tone === 'error' ? ' stat__value--error' : ''}`} data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function StatsBar() {
  const { model } = useApp();
  const s = model.stats.value;
  const filter = model.filter.value;
  const scope = filter === null ? 'all pipelines' : filter;
  const rate = s.count > 0 && s.failures > 0 ? `${Math.round((s.failures / s.count) * 100)}%` : undefined;

  return (
    <dl class="stats" data-testid="stats" aria-label={`Statistics for ${scope}${model.query.value ? ', matching search' : ''}`}>
      <Stat label="Traces" testId="stat-count" hint={s.running > 0 ? `${s.running} running` : undefined}>
        {s.count}
      </Stat>
      <Stat label="Failures" testId="stat-failures" tone={s.failures > 0 ? 'error' : undefined} hint={rate}>
        {s.failures}
      </Stat>
      <div class="stat stat--wide">
        <dt class="stat__label">Avg duration</dt>
        <dd class="stat__value stat__value--row">
          <span data-testid="stat-avg">{formatDuration(s.avgMs)}</span>
          <Sparkline values={s.sparkline} />
        </dd>
      </div>
      <div class="stat">
        <dt class="stat__label">p50 · p95</dt>
        <dd class="stat__value stat__value--row">
          <span data-testid="stat-p50" title="Median duration">{formatDuration(s.p50Ms)}</span>
          <span class="stat__sep" aria-hidden="true">/</span>
          <span data-testid="stat-p95" title="95th percentile duration">{formatDuration(s.p95Ms)}</span>
        </dd>
      </div>
      <Stat
        label="Last trace"
        testId="stat-last"
        hint={s.lastFailed ? 'failed' : undefined}
        tone={s.lastFailed ? 'error' : undefined}
        title={s.lastStartMs !== null ? formatDateTime(s.lastStartMs) : undefined}
      >
        {s.lastStartMs === null ? '—' : formatRelative(s.lastStartMs, model.now.value)}
      </Stat>
    </dl>
  );
}
