import { useApp } from '../context';
import { serverRoot } from '../lib/apiBase';
import { EmptyState, type EmptyReason } from './EmptyState';
import { OlderTraces } from './OlderTraces';
import { TraceCard } from './TraceCard';
import './TraceList.css';

function Skeleton() {
  return (
    <div class="skeleton" aria-hidden="true">
      {[0, 1, 2].map((i) => (
        <div key={i} class="skeleton__card">
          <span class="skeleton__bar skeleton__bar--title" />
          <span class="skeleton__bar" />
        </div>
      ))}
    </div>
  );
}

export function TraceList() {
  const { model, apiBase } = useApp();
  const visible = model.visible.value;
  const fresh = model.fresh.value;
  const expanded = model.expanded.value;
  const { toggleExpanded } = model.actions;
  const loaded = model.loaded.value;
  const hasAny = model.shownTraces.value.length > 0;
  const scope = model.shownScope.value;
  const filter = model.filter.value;
  const query = model.query.value;
  // Waiting for the server's answer about the pipeline filtered on, with nothing of it loaded yet.
  const scopeLoading = scope !== null && scope.status === 'loading' && visible.length === 0;
  // "Not in the store" only when the server said so; a filter over the loaded traces only says what it looked at.
  const reason: EmptyReason = scope?.status === 'loaded' && scope.traces.length === 0 ? 'pipeline'
    : model.scopeTraces.value.length > 0 || scope?.status === 'failed' ? 'no-match' : 'none';
  // The example command runs the pipeline filtered on, else the first deployed one.
  const pipeline = filter ?? model.entrypoints.value[0] ?? null;
  const skeleton = (!loaded && !hasAny) || scopeLoading;

  return (
    <div class="trace-list" data-testid="trace-list" aria-busy={!loaded || scopeLoading}>
      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="live-announcer">
        {model.liveMessage.value}
      </div>
      {skeleton ? (
        model.unreachable.value === null ? <Skeleton /> : null
      ) : visible.length === 0 ? (
        <EmptyState
          reason={reason}
          root={serverRoot(apiBase, model.config.value.dashboard_path, window.location.href)}
          pipeline={pipeline}
          query={query}
          example={pipeline === null ? null : model.examples.value.get(pipeline) ?? null}
          capturing={model.config.value.capturing}
          degraded={model.config.value.degraded}
          onReset={() => {
            model.actions.setFilter(null);
            model.actions.setQuery('');
          }}
        />
      ) : (
        <ul class="trace-list__items" role="list">
          {visible.map((trace) => (
            <li key={trace.key}>
              <TraceCard
                trace={trace}
                fresh={fresh.has(trace.key)}
                expanded={expanded.has(trace.key)}
                now={model.now}
                onToggle={toggleExpanded}
              />
            </li>
          ))}
        </ul>
      )}
      {/* Also under a search that matches none of them: older traces may. */}
      {!skeleton && model.scopeTraces.value.length > 0 && <OlderTraces />}
    </div>
  );
}
