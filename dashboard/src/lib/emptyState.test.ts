import { describe, expect, it } from 'vitest';
import { describeEmpty } from './emptyState';

describe('the empty list', () => {
  it('while traces are captured: waits for them and suggests a run', () => {
    expect(describeEmpty(true)).toEqual({
      title: 'Waiting for traces',
      text: 'Run a pipeline and its trace appears here live. For example:',
      suggestRun: true,
    });
  });

  it('while capture is off: says traces are not being captured and why, and suggests no run', () => {
    const copy = describeEmpty(false);
    expect(copy.title).toBe('Traces are not being captured');
    expect(copy.text).toBe(
      'This server runs with OTEL_SDK_DISABLED=true, which turns tracing off: no pipeline run records a trace. ' +
      'Restart it without that setting to see traces here.',
    );
    expect(copy.suggestRun).toBe(false);
  });
});
