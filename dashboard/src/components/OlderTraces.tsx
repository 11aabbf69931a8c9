import { useApp } from '../context';
import { nextPageLimit } from '../lib/limits';
import { Icon } from './Icon';
import './OlderTraces.css';

/**
 * The end of the list: loads the page of traces older than the oldest shown (which pauses the live feed, or the
 * next live trace would trim them off), until the store has none older.
 */
export function OlderTraces() {
  const { model, sync } = useApp();
  const view = model.paused.value;
  const older = view?.older ?? null;
  const loading = older?.status === 'loading';
  const scopeLoading = model.shownScope.value?.status === 'loading';
  const limit = nextPageLimit(model.config.value);
  const cap = model.config.value.list_cap;
  const beyondCap = model.scopeTraces.value.length > cap;

  return (
    <div class="older" data-testid="older-traces">
      {older?.status === 'done' ? (
        <p class="older__note" data-testid="older-none">No older traces in the store</p>
      ) : (
        <button
          type="button"
          class="btn btn--outline"
          data-testid="load-older"
          disabled={loading || scopeLoading}
          aria-busy={loading}
          title={`Load the ${limit} traces before the oldest shown (this pauses the live feed)`}
          onClick={() => void sync.loadOlder()}
        >
          <Icon name="clock" />
          {loading ? 'Loading older traces…' : 'Load older traces'}
        </button>
      )}
      {older?.status === 'failed' && (
        <p class="older__error" role="alert" data-testid="older-error">
          <Icon name="alert" size={14} />
          Could not load older traces: {older.error}
        </p>
      )}
      {view !== null && beyondCap && (
        <p class="older__note" data-testid="older-paused-note">
          Live feed paused to keep older traces in view; resuming goes back to the newest {cap}.
        </p>
      )}
    </div>
  );
}
