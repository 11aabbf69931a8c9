import { CopyButton } from './CopyButton';
import { Icon } from './Icon';
import { describeEmpty, runCommand } from '../lib/emptyState';
import './EmptyState.css';

/**
 * `root`: the server's root URL (`lib/apiBase.ts` `serverRoot`), where the example command sends its run.
 * `example`: a request body (JSON text) that `pipeline` accepts, from the server; null when it gave none.
 */
type Props = { root: string; pipeline: string | null; example: string | null; filtered: boolean; capturing: boolean; onReset(): void };

export function EmptyState({ root, pipeline, example, filtered, capturing, onReset }: Props) {
  if (filtered) {
    return (
      <div class="empty" data-testid="empty-filtered">
        <Icon name="search" size={22} class="empty__icon" />
        <p class="empty__title">No traces match</p>
        <p class="empty__text">Try another pipeline or search term.</p>
        <button type="button" class="btn btn--outline" onClick={onReset}>Show all traces</button>
      </div>
    );
  }
  const copy = describeEmpty(capturing);
  if (!copy.suggestRun) {
    return (
      <div class="empty empty--off" data-testid="empty-capture-off">
        <Icon name="alert" size={22} class="empty__icon" />
        <p class="empty__title">{copy.title}</p>
        <p class="empty__text">{copy.text}</p>
      </div>
    );
  }
  const command = pipeline === null ? runCommand(root, 'upper', null) : runCommand(root, pipeline, example);
  return (
    <div class="empty" data-testid="empty-state">
      <Icon name="activity" size={22} class="empty__icon" />
      <p class="empty__title">{copy.title}</p>
      <p class="empty__text">{copy.text}</p>
      <div class="empty__command">
        <code data-testid="empty-command">{command}</code>
        <CopyButton text={command} label="Copy command" />
      </div>
    </div>
  );
}
