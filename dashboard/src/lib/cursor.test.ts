import { describe, expect, it } from 'vitest';
import { compareCursors, isCursor, maxCursor, parseCursor } from './cursor';

describe('cursor', () => {
  it('parses <ms>-<seq>', () => {
    expect(parseCursor('1732530000000-3')).toEqual({ ms: 1732530000000n, seq: 3n });
    expect(parseCursor('abc')).toBeNull();
    expect(parseCursor('12-')).toBeNull();
    expect(parseCursor(null)).toBeNull();
    expect(isCursor('5-0')).toBe(true);
    expect(isCursor(5)).toBe(false);
  });

  it('compares numerically, not as strings', () => {
    expect(compareCursors('9-0', '10-0')).toBeLessThan(0);
    expect(compareCursors('10-0', '9-0')).toBeGreaterThan(0);
    expect(compareCursors('100-9', '100-10')).toBeLessThan(0);
    expect(compareCursors('100-2', '100-2')).toBe(0);
  });

  it('handles seq beyond Number precision', () => {
    expect(compareCursors('1-9007199254740993', '1-9007199254740992')).toBeGreaterThan(0);
  });

  it('sorts invalid cursors first', () => {
    expect(compareCursors(null, '1-0')).toBeLessThan(0);
    expect(compareCursors('1-0', 'bad')).toBeGreaterThan(0);
    expect(compareCursors(null, undefined)).toBe(0);
  });

  it('maxCursor ignores invalid values', () => {
    expect(maxCursor('9-5', '10-0', null, 'x', '9-99')).toBe('10-0');
    expect(maxCursor(null, undefined)).toBeNull();
  });
});
