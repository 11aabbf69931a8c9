import { useApp } from '../context';
import { Icon } from './Icon';
import './ListToolbar.css';

export function ListToolbar() {
  const { model } = useApp();
  const shown = model.visible.value.length;
  const total = model.scopeTraces.value.length;
  const sort = model.sort.value;
  const query = model.query.value;
  const paused = model.paused.value !== null;

  return (
    <div class="toolbar">
      <h2 class="toolbar__title" id="traces-heading" data-testid="traces-heading">
        {paused ? 'Traces (paused)' : 'Live traces'}
      </h2>
      <div class="toolbar__search">
        <Icon name="search" class="toolbar__search-icon" />
        <input
          type="search"
          class="toolbar__input"
          placeholder="Search ID, tags, errors, pipeline…"
          aria-label="Search traces by ID, tag value, error text or pipeline"
          data-testid="search-input"
          value={query}
          onInput={(e) => model.actions.setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query !== '') {
              e.preventDefault();
              model.actions.setQuery('');
            }
          }}
        />
      </div>
      <button
        type="button"
        class="btn btn--outline toolbar__sort"
        data-testid="sort-toggle"
        data-sort={sort}
        aria-label={`Sort: ${sort === 'newest' ? 'newest first' : 'slowest first'}. Switch to ${sort === 'newest' ? 'slowest' : 'newest'} first`}
        onClick={() => model.actions.toggleSort()}
      >
        <Icon name={sort === 'newest' ? 'clock' : 'timer'} />
        {sort === 'newest' ? 'Newest' : 'Slowest'}
      </button>
      <span class="toolbar__count">
        {shown === total ? `${total} trace${total === 1 ? '' : 's'}` : `${shown} of ${total}`}
      </span>
    </div>
  );
}
