import { useApp } from '../context';
import { describeCount, loadedTraces, NO_PIPELINE } from '../lib/filters';
import { Icon } from './Icon';
import './Sidebar.css';

const testIdFor = (name: string) => `filter-${name}`;

export function Sidebar() {
  const { model } = useApp();
  const rows = model.pipelines.value;
  const active = model.filter.value;
  const total = model.shownTraces.value.length;
  const stats = model.config.value.stats;
  const complete = model.countsComplete.value;
  const paused = model.paused.value !== null;

  return (
    <nav class="sidebar" aria-label="Pipelines">
      <h2 class="sidebar__title">
        <Icon name="branch" size={15} />
        Pipelines
      </h2>
      <ul class="sidebar__list" role="list">
        <li>
          <button
            type="button"
            class="sidebar__item"
            aria-pressed={active === null}
            data-testid="filter-all"
            onClick={() => model.actions.setFilter(null)}
          >
            <span class="sidebar__name">All pipelines</span>
            <span class="sidebar__count" title={complete ? undefined : `Counts of the ${loadedTraces(total, paused)}`}>{total}</span>
          </button>
        </li>
        {rows.map((row) => {
          const count = describeCount(row, complete, total, paused);
          return (
            <li key={row.name}>
              <button
                type="button"
                class="sidebar__item"
                aria-pressed={active === row.name}
                data-testid={testIdFor(row.name)}
                title={row.deployed ? `${row.name} (deployed)` : `${row.name} (not deployed)`}
                onClick={() => model.actions.setFilter(active === row.name ? null : row.name)}
              >
                <span
                  class={`sidebar__dot${row.deployed ? ' sidebar__dot--deployed' : ''}`}
                  aria-hidden="true"
                />
                <span class={`sidebar__name${row.name === NO_PIPELINE ? '' : ' mono'}`}>{row.name}</span>
                {row.failures > 0 && (
                  <span class="sidebar__failures" title={`${row.failures} failed`} aria-label={`${row.failures} failed`}>
                    {row.failures}
                  </span>
                )}
                <span class="sidebar__count" data-testid={`count-${row.name}`} aria-label={count.label} title={count.label}>{count.text}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {rows.length === 0 && <p class="sidebar__empty">No pipelines deployed yet.</p>}
      {rows.length > 0 && !complete && (
        <p class="sidebar__empty" data-testid="counts-note">Counts of the {loadedTraces(total, paused)}; filter on a pipeline to read its own.</p>
      )}
      {stats !== null && stats.stored !== null && (
        <p
          class="sidebar__store"
          title={`Traces held by the server store: ${stats.stored}${stats.capacity !== null ? ` of ${stats.capacity}` : ''}`
            + `${stats.dropped !== null ? `, ${stats.dropped} dropped` : ''}${stats.pending !== null ? `, ${stats.pending} pending` : ''}`
            + `${stats.stragglers !== null ? `, ${stats.stragglers} stragglers` : ''}`}
        >
          <Icon name="server" size={12} />
          {stats.stored}
          {stats.capacity !== null && ` / ${stats.capacity}`} stored
          {stats.dropped ? ` · ${stats.dropped} dropped` : ''}
        </p>
      )}
    </nav>
  );
}
