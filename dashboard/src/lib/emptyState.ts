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
