import { useState } from 'preact/hooks';
import { Icon } from './Icon';
import { Modal } from './Modal';

type Props = {
  open: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  onConfirm(): Promise<void> | void;
  onCancel(): void;
};

/** Destructive confirmation; Cancel has initial focus, Escape cancels. */
export function ConfirmDialog({ open, title, body, confirmLabel, onConfirm, onCancel }: Props) {
  const [busy, setBusy] = useState(false);
  return (
    <Modal open={open} labelledBy="confirm-title" describedBy="confirm-body" onCancel={busy ? undefined : onCancel} testId="confirm-dialog">
      <h2 class="modal__title" id="confirm-title">
        <Icon name="trash" size={16} />
        {title}
      </h2>
      <p class="modal__body" id="confirm-body">{body}</p>
      <div class="modal__actions">
        {open && (
          <button type="button" class="btn btn--outline" onClick={onCancel} disabled={busy} autoFocus>
            Cancel
          </button>
        )}
        <button
          type="button"
          class="btn btn--danger"
          data-testid="clear-confirm"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await onConfirm();
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Clearing…' : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
