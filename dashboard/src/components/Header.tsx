import { useApp } from '../context';
import type { Connection } from '../state';
import { captureNote, degradedMessage, describeClear, samplingNote } from '../lib/viewMode';
import { formatClock } from '../lib/format';
import { Icon } from './Icon';
import { PauseButton } from './PauseButton';
import './Header.css';

const CONNECTION_LABEL: Record<Connection, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  polling: 'Polling',
  offline: 'Offline',
};

type Props = { onClear(): void };

export function Header({ onClear }: Props) {
  const { model, sync } = useApp();
  const config = model.config.value;
  const view = model.viewMode.value;
  const locked = model.auth.value !== 'ok';
  const connection = locked ? 'offline' : model.connection.value;
  const degraded = degradedMessage(config);
  const sampled = samplingNote(config);
  const captureOff = captureNote(config);
  const clear = describeClear(config);
  const dark = model.theme.value === 'dark';
  const pollSeconds = (config.poll_ms / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 });
  const statusTitle = connection === 'polling'
    ? `Live stream unavailable: polling every ${pollSeconds} s`
    : connection === 'live' ? 'Receiving traces over a live stream' : CONNECTION_LABEL[connection];
  const updated = model.lastUpdated.value;

  return (
    <header class="header">
      <div class="header__inner">
        <div class="header__brand">
          <span class="header__logo" aria-hidden="true">h</span>
          <div class="header__titles">
            <h1 class="header__title">Hayhooks</h1>
            <p class="header__subtitle">Trace Dashboard</p>
          </div>
        </div>

        <div class="header__status">
          {model.configLoaded.value && (
            <span
              class={`header__chip header__chip--${view.tone}`}
              data-testid="view-mode"
              title={view.title}
            >
              <Icon name="server" size={13} />
              {view.text}
            </span>
          )}
          {captureOff !== null && (
            <span class="header__chip header__chip--warning" data-testid="capture-off" title={captureOff.title} role="status">
              <Icon name="alert" size={13} />
              {captureOff.text}
            </span>
          )}
          {sampled !== null && (
            <span class="header__chip header__chip--warning" data-testid="sampling-note" title={sampled.title}>
              {sampled.text}
            </span>
          )}
          {degraded !== null && (
            <span class="header__chip header__chip--danger" data-testid="degraded-badge" title={degraded} role="status">
              <Icon name="alert" size={13} />
              degraded: Redis unreachable
            </span>
          )}
          {/* A polite live region: a change of state is announced; a poll changes only the title, never the text. */}
          <span
            class={`header__live header__live--${connection}`}
            data-testid="live-status"
            data-state={connection}
            role="status"
            aria-live="polite"
            aria-atomic="true"
            title={updated !== null ? `${statusTitle} · updated ${formatClock(updated)}` : statusTitle}
          >
            <span class="header__dot" aria-hidden="true" />
            {locked ? 'Sign-in required' : connection === 'polling' ? `Polling · ${pollSeconds} s` : CONNECTION_LABEL[connection]}
          </span>
        </div>

        <div class="header__actions">
          <PauseButton />
          <button type="button" class="btn" onClick={() => void sync.refresh()} aria-label="Refresh traces" title="Reload config and newest traces">
            <Icon name="refresh" />
            <span class="header__label">Refresh</span>
          </button>
          <button type="button" class="btn" onClick={onClear} disabled={!clear.enabled} data-testid="clear-button" aria-label="Clear traces" title={clear.tooltip}>
            <Icon name="trash" />
            <span class="header__label">Clear</span>
          </button>
          <button
            type="button"
            class="btn btn--icon btn--outline"
            data-testid="theme-toggle"
            aria-label={dark ? 'Switch to light theme' : 'Switch to dark theme'}
            aria-pressed={dark}
            title={dark ? 'Light theme' : 'Dark theme'}
            onClick={() => model.actions.setTheme(dark ? 'light' : 'dark')}
          >
            <Icon name={dark ? 'sun' : 'moon'} size={15} />
          </button>
        </div>
      </div>
    </header>
  );
}
