import { useApp } from '../context';
import { pausedLabel } from '../lib/paused';
import { Icon } from './Icon';

/**
 * Pauses the live feed (the list shown holds still) and resumes it. Paused, it says how many new traces wait; the
 * count is announced by the list's live region, not here, so that each arrival does not rename a focused button.
 */
export function PauseButton() {
  const { model } = useApp();
  const view = model.paused.value;
  const cap = model.config.value.list_cap;

  if (view === null) {
    return (
      <button
        type="button"
        class="btn header__pause"
        data-testid="pause-toggle"
        data-paused="false"
        aria-label="Pause the live feed"
        title="Hold the list still; new traces are counted and shown when you resume"
        onClick={() => model.actions.pause()}
      >
        <Icon name="pause" />
        <span class="header__label">Pause</span>
      </button>
    );
  }
  const label = pausedLabel(model.heldCount.value, model.heldFull.value);
  return (
    <button
      type="button"
      class="btn btn--outline header__pause header__pause--paused"
      data-testid="pause-toggle"
      data-paused="true"
      aria-label={`${label} — Resume`}
      title={`Resume the live feed: back to the newest ${cap} traces, with the new ones (older traces loaded are set aside)`}
      onClick={() => model.actions.resume()}
    >
      <Icon name="play" />
      <span data-testid="paused-status">{label}</span>
      <span class="header__pause-action">— Resume</span>
    </button>
  );
}
