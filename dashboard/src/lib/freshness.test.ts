import { describe, expect, it } from 'vitest';
import { announcement, freshIds, isFresh, pruneArrivals, recordArrivals } from './freshness';

describe('freshness', () => {
  it('a trace is fresh for fresh_ms after it arrived', () => {
    expect(isFresh(1000, 1000, 6000)).toBe(true);
    expect(isFresh(1000, 6999, 6000)).toBe(true);
    expect(isFresh(1000, 7000, 6000)).toBe(false);
    expect(isFresh(undefined, 1000, 6000)).toBe(false);
  });

  it('records first arrival only and lists fresh ids', () => {
    const a = recordArrivals(new Map(), ['x', 'y'], 1000);
    const b = recordArrivals(a, ['y', 'z'], 5000);
    expect(b.get('y')).toBe(1000);
    expect([...freshIds(b, 6500, 6000)].sort()).toEqual(['x', 'y', 'z']);
    expect([...freshIds(b, 7500, 6000)]).toEqual(['z']);
    expect(a.has('z')).toBe(false);
  });

  it('prunes expired and removed traces', () => {
    const arrivals = new Map([['old', 0], ['gone', 9000], ['kept', 9000]]);
    expect([...pruneArrivals(arrivals, 10_000, 6000, new Set(['old', 'kept'])).keys()]).toEqual(['kept']);
  });

  it('announces counts politely', () => {
    expect(announcement(0, 0)).toBe('');
    expect(announcement(1, 0)).toBe('1 new trace');
    expect(announcement(3, 1)).toBe('3 new traces, 1 failed');
  });
});
