import { useEffect } from 'preact/hooks';
import { useApp } from '../context';
import { degradedMessage } from '../lib/viewMode';
import { Icon } from './Icon';
import './StatusBanner.css';

const NOTICE_MS = 4000;

/** Server unreachable (keeps retrying), degraded store, and short notices ("Cleared 12 traces"). */
export function StatusBanner() {
  const { model } = useApp();
  const unreachable = model.unreachable.value;
  const notice = model.notice.value;
  const degraded = degradedMessage(model.config.value);

  useEffect(() => {
    if (notice === null) return;
    const timer = setTimeout(() => model.actions.setNotice(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  return (
    <>
      {/* Always rendered (never display:none) so the notice is announced. */}
      <div class="visually-hidden" role="status" aria-live="polite">{notice ?? ''}</div>
      <div class="banners">
        {unreachable !== null && (
          <div class="banner banner--error" role="alert" data-testid="unreachable-banner">
            <Icon name="wifiOff" size={16} />
            <span>{unreachable}</span>
          </div>
        )}
        {degraded !== null && unreachable === null && (
          <div class="banner banner--warning">
            <Icon name="alert" size={16} />
            <span>{degraded} Traces served by other workers are not shown.</span>
          </div>
        )}
        {notice !== null && (
          <div class="banner banner--info" data-testid="notice">
            <Icon name="check" size={16} />
            <span>{notice}</span>
            <button type="button" class="btn btn--icon banner__close" aria-label="Dismiss" onClick={() => model.actions.setNotice(null)}>
              <Icon name="x" />
            </button>
          </div>
        )}
      </div>
    </>
  );
}
