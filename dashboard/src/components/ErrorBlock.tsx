import { useState } from 'preact/hooks';
import type { TraceError } from '../types';
import { CopyButton } from './CopyButton';
import { Icon } from './Icon';
import './ErrorBlock.css';

/** `traceKey`: the trace's `key` (one operation), so two cards of one trace_id get distinct ids. */
type Props = { error: TraceError; traceKey: string };

/** Error type + message (always rendered as text), with an expandable, copyable stack. */
export function ErrorBlock({ error, traceKey }: Props) {
  const [showStack, setShowStack] = useState(false);
  const stackId = `stack-${traceKey}`;
  return (
    <div class="error-block" data-testid="error-block" role="group" aria-label="Error">
      <div class="error-block__head">
        <Icon name="alert" size={15} class="error-block__icon" />
        <p class="error-block__text">
          <strong class="error-block__type">{error.type}</strong>
          {error.message !== '' && <span>: {error.message}</span>}
        </p>
      </div>
      {error.stack !== null && error.stack !== '' && (
        <div class="error-block__stack-wrap">
          <div class="error-block__actions">
            <button
              type="button"
              class="error-block__toggle"
              aria-expanded={showStack}
              aria-controls={stackId}
              data-testid="error-stack-toggle"
              onClick={() => setShowStack(!showStack)}
            >
              <Icon name="chevron" size={12} class="error-block__chevron" />
              {showStack ? 'Hide stack trace' : 'Show stack trace'}
            </button>
            <CopyButton text={error.stack} label="Copy stack trace" testId="copy-stack">Copy</CopyButton>
          </div>
          <pre class="error-block__stack" id={stackId} data-testid="error-stack" tabIndex={0} hidden={!showStack}>
            {error.stack}
          </pre>
        </div>
      )}
    </div>
  );
}
