import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './normalize';
import { degradedMessage, describeViewMode, samplingNote } from './viewMode';

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

  it('single in-memory worker', () => {
    expect(describeViewMode({ ...base, workers: [], store: 'memory', consistent: true }).text).toBe('1 worker · in memory');
  });

  it('degraded message only when degraded', () => {
    expect(degradedMessage({ ...base, degraded: false })).toBeNull();
    expect(degradedMessage({ ...base, degraded: true })).toMatch(/Redis is unreachable/);
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
