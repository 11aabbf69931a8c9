import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import './Modal.css';

type Props = {
  open: boolean;
  labelledBy: string;
  describedBy?: string;
  /** Called on Escape; omit to make the dialog non-dismissable. */
  onCancel?: () => void;
  children: ComponentChildren;
  testId?: string;
};

/** Native modal <dialog>: focus trap, Escape and focus return come from the browser. */
export function Modal({ open, labelledBy, describedBy, onCancel, children, testId }: Props) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    } else if (!open && dialog.open) {
      if (typeof dialog.close === 'function') dialog.close();
      else dialog.removeAttribute('open');
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      class="modal"
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault();
        onCancel?.();
      }}
      onClick={(e) => {
        // Click on the backdrop (the dialog element itself, outside its content).
        if (e.target === ref.current) onCancel?.();
      }}
    >
      <div class="modal__content">{children}</div>
    </dialog>
  );
}
