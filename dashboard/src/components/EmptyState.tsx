import { CopyButton } from './CopyButton';
import { Icon } from './Icon';
import { describeEmpty, describeNoMatch, describePipelineEmpty, runCommand } from '../lib/emptyState';
import './EmptyState.css';

/**
 * Why the list is empty: nothing stored yet (`none`), the server holds no trace of the pipeline filtered on
 * (`pipeline`), or the search or filter matches none of the traces loaded (`no-match`).
 */
export type EmptyReason = 'none' | 'pipeline' | 'no-match';

/**
 * `root`: the server's root URL (`lib/apiBase.ts` `serverRoot`), where the example command sends its run.
 * `pipeline`: the one filtered on, else the one the command runs. `example`: a request body (JSON text) that
 * `pipeline` accepts, from the server; null when it gave none.
 */
type Props = {
  reason: EmptyReason; root: string; pipeline: string | null; query: string; example: string | null; capturing: boolean;
  /** The shared store is unreachable: the server answered from this worker's own traces. */
  degraded: boolean; onReset(): void;
};

export function EmptyState({ reason, root, pipeline, query, example, capturing, degraded, onReset }: Props) {
  if (reason === 'no-match') {
    const copy = describeNoMatch(pipeline, query);
    return (
      <div class="empty" data-testid="empty-filtered">
        <Icon name="search" size={22} class="empty__icon" />
        <p class="empty__title">{copy.title}</p>
        <p class="empty__text">{copy.text}</p>
        <button type="button" class="btn btn--outline" onClick={onReset}>Show all traces</button>
      </div>
    );
  }
  const copy = reason === 'pipeline' && pipeline !== null && capturing ? describePipelineEmpty(pipeline, degraded) : describeEmpty(capturing);
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
    <div class="empty" data-testid="empty-state" data-reason={reason}>
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
