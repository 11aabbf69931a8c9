import { describe, expect, it } from 'vitest';
import { firstPageLimit, nextPageLimit } from './limits';

describe('read limits', () => {
  it('the first read asks for the whole list at once', () => {
    expect(firstPageLimit({ list_cap: 100, fetch_limit: 50, max_limit: 500 })).toBe(100);
  });

  it('the first read asks for at least one follow-up page', () => {
    expect(firstPageLimit({ list_cap: 20, fetch_limit: 50, max_limit: 500 })).toBe(50);
  });

  it('no read asks for more than the API\'s largest page: a list cap above it starts with max_limit traces', () => {
    expect(firstPageLimit({ list_cap: 1000, fetch_limit: 50, max_limit: 500 })).toBe(500);
    expect(firstPageLimit({ list_cap: 100, fetch_limit: 800, max_limit: 500 })).toBe(500);
    expect(nextPageLimit({ fetch_limit: 800, max_limit: 500 })).toBe(500);
  });

  it('a follow-up read asks for fetch_limit traces', () => {
    expect(nextPageLimit({ fetch_limit: 50, max_limit: 500 })).toBe(50);
  });
});
