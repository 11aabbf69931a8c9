import { describe, expect, it } from 'vitest';
import { shallowEqual } from './pure';

describe('shallowEqual', () => {
  it('compares own keys by identity', () => {
    const obj = { a: 1 };
    expect(shallowEqual({ x: obj, n: 1 }, { x: obj, n: 1 })).toBe(true);
    expect(shallowEqual({ x: obj }, { x: { a: 1 } })).toBe(false);
    expect(shallowEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(shallowEqual({ n: Number.NaN }, { n: Number.NaN })).toBe(true);
  });
});
