import { describe, expect, it } from 'vitest';
import { describeEmpty, describeNoMatch, describePipelineEmpty, runCommand, shellQuote } from './emptyState';

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

describe('an empty filtered list', () => {
  it("names the pipeline the server has no trace of, and suggests running it", () => {
    expect(describePipelineEmpty('greet')).toEqual({
      title: 'No traces of greet in the store', text: 'Run it and its trace appears here live. For example:', suggestRun: true,
    });
  });

  it('while the shared store is unreachable, says it looked at this worker\'s traces, not the store', () => {
    const copy = describePipelineEmpty('greet', true);
    expect(copy.title).toBe('No traces of greet on this worker');
    expect(copy.text).toContain('shared trace store is unreachable');
    expect(copy.text).not.toContain('in the store');
    expect(copy.suggestRun).toBe(true);
  });

  it('a search or a filter over the loaded traces only says that it looked at those', () => {
    expect(describeNoMatch('greet', 'boom').title).toBe('No traces match');
    expect(describeNoMatch('greet', 'boom').text).toContain('traces loaded here');
    expect(describeNoMatch('(none)', '')).toEqual({
      title: 'No loaded traces match',
      text: 'None of the traces loaded here is of (none); older ones may still be in the store.',
      suggestRun: false,
    });
  });
});

describe('the example command', () => {
  const root = 'http://127.0.0.1:1416';

  it('runs the named pipeline with the example body the server gave for it', () => {
    expect(runCommand(root, 'shout', '{"text":"hello"}')).toBe(
      `curl -X POST http://127.0.0.1:1416/shout/run -H 'Content-Type: application/json' -d '{"text":"hello"}'`,
    );
  });

  it('sends {} for a pipeline without an example (or a server that sends none)', () => {
    expect(runCommand(root, 'upper', null)).toBe(
      `curl -X POST http://127.0.0.1:1416/upper/run -H 'Content-Type: application/json' -d '{}'`,
    );
  });

  it("keeps the body one shell word: a single quote in it is written '\\''", () => {
    expect(shellQuote(`{"text":"it's"}`)).toBe(`'{"text":"it'\\''s"}'`);
    expect(runCommand(root, 'shout', `{"text":"it's"}`)).toContain(`-d '{"text":"it'\\''s"}'`);
  });

  it('quotes a URL with characters a shell would read', () => {
    expect(runCommand('http://[::1]:1416/my app', 'shout', null)).toContain(`-X POST 'http://[::1]:1416/my app/shout/run' -H`);
  });
});
