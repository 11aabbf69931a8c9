import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './normalize';
import { captureNote, degradedMessage, describeClear, describeViewMode, samplingNote } from './viewMode';

const base = { ...DEFAULT_CONFIG, workers: ['h:1', 'h:2', 'h:3'], this_worker: 'h:1' };

describe('describeViewMode', () => {
  it('shared via Redis when consistent', () => {
    expect(describeViewMode({ ...base, store: 'redis', consistent: true })).toMatchObject({ text: '3 workers · shared via Redis', tone: 'ok' });
  });

  it('per-worker warning when not consistent', () => {
    const v = describeViewMode({ ...base, store: 'memory', consistent: false });
    expect(v.text).toBe('3 workers · this worker only');
    expect(v.tone).toBe('warning');
    expect(v.title).toContain('h:1');
  });

  it('counts the workers the server was started with when each sees only itself', () => {
    const config = { ...base, store: 'memory' as const, consistent: false, workers: ['h:1'], configured_workers: 2 };
    expect(describeViewMode(config).text).toBe('2 workers · this worker only');
    expect(describeViewMode({ ...config, configured_workers: null }).text).toBe('1 worker · this worker only');
  });

  it('counts the workers seen in a shared store, whatever this server was started with', () => {
    expect(describeViewMode({ ...base, store: 'redis', consistent: true, configured_workers: 1 }).text).toBe('3 workers · shared via Redis');
  });

  it('this worker only while Redis is unreachable', () => {
    const v = describeViewMode({ ...base, store: 'redis', consistent: true, degraded: true, workers: ['h:1'], configured_workers: 4 });
    expect(v.text).toBe('this worker only (Redis unreachable)');
    expect(v.tone).toBe('warning');
    expect(v.title).toContain('h:1');
  });

  it('single in-memory worker', () => {
    expect(describeViewMode({ ...base, workers: [], store: 'memory', consistent: true }).text).toBe('1 worker · in memory');
  });

  it('degraded message only when degraded', () => {
    expect(degradedMessage({ ...base, degraded: false })).toBeNull();
    expect(degradedMessage({ ...base, degraded: true })).toMatch(/Redis is unreachable/);
  });
});

describe('describeClear', () => {
  it('every worker with a shared store', () => {
    const c = describeClear({ ...base, store: 'redis', consistent: true });
    expect(c.enabled).toBe(true);
    expect(c.tooltip).toBe('Clear the traces of every worker (shared via Redis)');
    expect(c.body).toContain('for all workers and all viewers');
  });

  it('all traces of a single worker', () => {
    const c = describeClear({ ...base, workers: ['h:1'], store: 'memory', consistent: true });
    expect(c.tooltip).toBe('Clear all traces');
    expect(c.body).not.toContain('workers');
  });

  it('only the answering worker without a shared store', () => {
    const c = describeClear({ ...base, store: 'memory', consistent: false, configured_workers: 2 });
    expect(c.enabled).toBe(true);
    expect(c.title).toBe("Clear one worker's traces?");
    expect(c.tooltip).toContain('the other workers keep theirs');
    expect(c.body).toContain('only those of the worker that answers');
  });

  it('nothing while Redis is unreachable', () => {
    const c = describeClear({ ...base, store: 'redis', consistent: true, degraded: true });
    expect(c.enabled).toBe(false);
    expect(c.tooltip).toMatch(/Redis is unreachable: nothing can be cleared/);
  });
});

describe('samplingNote', () => {
  it('says nothing when every trace is kept or the server did not say', () => {
    expect(samplingNote({ ...base, sampling: { rate: 1, description: 'ParentBased{root:AlwaysOnSampler}' } })).toBeNull();
    expect(samplingNote({ ...base, sampling: null })).toBeNull();
  });

  it('gives the share of traces kept, and the sampler in the title', () => {
    const note = samplingNote({ ...base, sampling: { rate: 0.1, description: 'TraceIdRatioBased{0.1}' } })!;
    expect(note.text).toBe('sampled · 10 %');
    expect(note.title).toContain('TraceIdRatioBased{0.1}');
    expect(note.title).toContain('never appear here');
  });

  it('names a custom sampler without guessing its share', () => {
    const note = samplingNote({ ...base, sampling: { rate: null, description: 'MySampler' } })!;
    expect(note.text).toBe('custom sampler');
    expect(note.title).toContain('MySampler');
  });
});

describe('captureNote', () => {
  it('says nothing while the server captures traces (or does not say)', () => {
    expect(captureNote({ ...base, capturing: true })).toBeNull();
    expect(captureNote(DEFAULT_CONFIG)).toBeNull();
  });

  it('says capture is off, and in its title that OTEL_SDK_DISABLED=true turns tracing off', () => {
    const note = captureNote({ ...base, capturing: false })!;
    expect(note.text).toBe('capture off');
    expect(note.title).toContain('OTEL_SDK_DISABLED=true turns tracing off');
    expect(note.title).toContain('no trace is recorded');
  });

  it('hides the sampling chip when nothing is captured at all', () => {
    expect(samplingNote({ ...base, capturing: false, sampling: { rate: 0.1, description: 'TraceIdRatioBased{0.1}' } })).toBeNull();
  });
});
