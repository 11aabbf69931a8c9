import { describe, expect, it } from 'vitest';
import { formatClock, formatDuration, formatRelative, shortTypeName, truncate } from './format';

describe('formatDuration', () => {
  it('keeps sub-ms precision and switches units', () => {
    expect(formatDuration(0.42)).toBe('0.42 ms');
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(3.5)).toBe('3.5 ms');
    expect(formatDuration(12.34)).toBe('12.3 ms');
    expect(formatDuration(187.532)).toBe('188 ms');
    expect(formatDuration(1240)).toBe('1.24 s');
    expect(formatDuration(2000)).toBe('2 s');
    expect(formatDuration(125_000)).toBe('2 m 05 s');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});

describe('formatRelative', () => {
  it('formats seconds, minutes, hours and days ago', () => {
    expect(formatRelative(10_000, 10_500)).toBe('just now');
    expect(formatRelative(0, 12_000)).toBe('12 s ago');
    expect(formatRelative(0, 180_000)).toBe('3 min ago');
    expect(formatRelative(0, 2 * 3_600_000)).toBe('2 h ago');
    expect(formatRelative(0, 3 * 86_400_000)).toBe('3 d ago');
    expect(formatRelative(5000, 1000)).toBe('just now');
    expect(formatRelative(null, 1)).toBe('—');
  });
});

describe('misc', () => {
  it('formats clock time and truncates', () => {
    expect(formatClock(new Date(2024, 0, 1, 9, 5, 7).getTime())).toBe('09:05:07');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});

describe('shortTypeName', () => {
  it('keeps the class name of a qualified Python type, the part after the last dot', () => {
    expect(shortTypeName('haystack.core.errors.PipelineRuntimeError')).toBe('PipelineRuntimeError');
    expect(shortTypeName('app.handlers.<locals>.TimeoutError')).toBe('TimeoutError');
  });

  it('leaves a bare name, and one that ends with a dot, as it is', () => {
    expect(shortTypeName('ValueError')).toBe('ValueError');
    expect(shortTypeName('weird.')).toBe('weird.');
    expect(shortTypeName('')).toBe('');
  });
});
