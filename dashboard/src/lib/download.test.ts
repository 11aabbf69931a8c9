import { describe, expect, it } from 'vitest';
import { makeTrace } from '../test/fixtures';
import { traceFileName, traceJson } from './download';

describe('download', () => {
  it('names the file after the pipeline and trace id, safely', () => {
    expect(traceFileName(makeTrace({ trace_id: 'abc', entrypoint: 'my pipe/../x' }))).toBe('trace-my_pipe_.._x-abc.json');
    expect(traceFileName(makeTrace({ trace_id: 'abc', entrypoint: null, kind: 'deploy' }))).toBe('trace-deploy-abc.json');
  });

  it('serializes the full record as pretty JSON', () => {
    const trace = makeTrace({ trace_id: 'abc' });
    expect(JSON.parse(traceJson(trace))).toEqual(trace);
    expect(traceJson(trace)).toContain('\n  "trace_id": "abc"');
  });
});
