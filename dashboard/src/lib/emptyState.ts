// What the list says when there is no trace at all (not the "no match" of a filter).
export type EmptyCopy = {
  title: string;
  text: string;
  /** Whether to suggest a command that makes a trace: pointless while nothing is captured. */
  suggestRun: boolean;
};

export function describeEmpty(capturing: boolean): EmptyCopy {
  if (!capturing) {
    return {
      title: 'Traces are not being captured',
      text: 'This server runs with OTEL_SDK_DISABLED=true, which turns tracing off: no pipeline run records a trace. ' +
        'Restart it without that setting to see traces here.',
      suggestRun: false,
    };
  }
  return { title: 'Waiting for traces', text: 'Run a pipeline and its trace appears here live. For example:', suggestRun: true };
}

/**
 * The pipeline filtered on has no trace in the store: the server said so (its `/traces?entrypoint=` answer was
 * empty), so running it is what makes one. `degraded`: the shared store is unreachable and the server answered from
 * the traces its worker captured meanwhile, so the store was not what it looked in.
 */
export function describePipelineEmpty(pipeline: string, degraded = false): EmptyCopy {
  if (degraded) {
    return {
      title: `No traces of ${pipeline} on this worker`,
      text: 'The shared trace store is unreachable: this view holds only the traces this worker captured since. ' +
        'Run it and its trace appears here live. For example:',
      suggestRun: true,
    };
  }
  return { title: `No traces of ${pipeline} in the store`, text: 'Run it and its trace appears here live. For example:', suggestRun: true };
}

/**
 * Nothing to show, though traces are loaded: the search matches none of them, or the filter (on the traces without
 * a pipeline, or on a pipeline whose own traces could not be read) only covers what the browser loaded.
 */
export function describeNoMatch(pipeline: string | null, query: string): EmptyCopy {
  if (query.trim() !== '') {
    return { title: 'No traces match', text: 'The search looks through the traces loaded here. Try another pipeline or search term.', suggestRun: false };
  }
  return {
    title: 'No loaded traces match',
    text: `None of the traces loaded here ${pipeline === null ? 'matches' : `is of ${pipeline}`}; older ones may still be in the store.`,
    suggestRun: false,
  };
}

/** `text` as one shell word in single quotes; a single quote inside becomes '\'' (close, escaped quote, reopen). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Left bare when every character is plain in a shell (a usual URL); quoted otherwise. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : shellQuote(text);
}

/**
 * A curl command that runs `pipeline` on the server at `root` (its URL without the dashboard path), sending `body`:
 * the example request body the server gave for that pipeline (JSON text), or `{}` without one.
 */
export function runCommand(root: string, pipeline: string, body: string | null): string {
  const url = `${root}/${encodeURIComponent(pipeline)}/run`;
  return `curl -X POST ${shellWord(url)} -H 'Content-Type: application/json' -d ${shellQuote(body ?? '{}')}`;
}
