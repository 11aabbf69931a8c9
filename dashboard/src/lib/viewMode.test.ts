import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from './normalize';
import { degradedMessage, describeViewMode } from './viewMode';

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
