import { useState } from 'preact/hooks';
import { useApp } from '../context';
import { Icon } from './Icon';
import { Modal } from './Modal';
import './TokenDialog.css';

/** Shown once when the API answers 401: the token is exchanged for an HttpOnly cookie. */
export function TokenDialog() {
  const { model, sync } = useApp();
  const [token, setToken] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const auth = model.auth.value;
  const checking = auth === 'checking';

  async function submit(e: Event) {
    e.preventDefault();
    if (token.trim() === '' || checking) return;
    setFailure(null);
    try {
      const ok = await sync.login(token.trim());
      if (ok) setToken('');
    } catch (err) {
      setFailure(`Could not sign in: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  return (
    <Modal open labelledBy="token-title" describedBy="token-help" testId="token-dialog">
      <form class="token" onSubmit={submit}>
        <h2 class="modal__title" id="token-title">
          <Icon name="key" size={16} />
          Dashboard token required
        </h2>
        <p class="modal__body" id="token-help">
          This server protects its trace dashboard. Enter the dashboard token to continue.
        </p>
        <label class="token__label" for="token-input">Token</label>
        <input
          id="token-input"
          class="token__input"
          type="password"
          autoComplete="current-password"
          data-testid="token-input"
          value={token}
          aria-invalid={auth === 'wrong'}
          aria-describedby={auth === 'wrong' ? 'token-error' : undefined}
          onInput={(e) => setToken(e.currentTarget.value)}
          autoFocus
        />
        {auth === 'wrong' && <p class="token__error" id="token-error" role="alert" data-testid="token-error">Wrong token. Try again.</p>}
        {failure !== null && <p class="token__error" role="alert">{failure}</p>}
        <div class="modal__actions">
          <button type="submit" class="btn btn--primary" data-testid="token-submit" disabled={checking || token.trim() === ''}>
            {checking ? 'Checking…' : 'Sign in'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
