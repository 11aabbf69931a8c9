import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { copyText } from '../lib/download';
import { Icon } from './Icon';
import './CopyButton.css';

type Props = { text: string; label: string; children?: ComponentChildren; class?: string; testId?: string };

/** Copies `text`; shows a check for 1.5 s. `label` is the accessible name. */
export function CopyButton({ text, label, children, class: className, testId }: Props) {
  const [copied, setCopied] = useState<boolean | null>(null);
  useEffect(() => {
    if (copied === null) return;
    const timer = setTimeout(() => setCopied(null), 1500);
    return () => clearTimeout(timer);
  }, [copied]);

  return (
    <button
      type="button"
      class={`copy-btn${className ? ` ${className}` : ''}`}
      aria-label={copied === true ? `${label} (copied)` : label}
      title={copied === true ? 'Copied' : copied === false ? 'Copy failed' : label}
      data-testid={testId}
      onClick={async (e) => {
        e.stopPropagation();
        setCopied(await copyText(text));
      }}
    >
      {children}
      <Icon name={copied === true ? 'check' : 'copy'} size={12} class={copied === true ? 'copy-btn__ok' : 'copy-btn__icon'} />
    </button>
  );
}
