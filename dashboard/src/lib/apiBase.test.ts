import { describe, expect, it } from 'vitest';
import { apiBaseFromPath, apiUrl, resolveApiBase } from './apiBase';

describe('api base', () => {
  it('derives <page path>/api', () => {
    expect(apiBaseFromPath('/dashboard/')).toBe('/dashboard/api');
    expect(apiBaseFromPath('/dashboard')).toBe('/dashboard/api');
    expect(apiBaseFromPath('/x/dashboard')).toBe('/x/dashboard/api');
    expect(apiBaseFromPath('/x/dashboard/index.html')).toBe('/x/dashboard/api');
    expect(apiBaseFromPath('/')).toBe('/api');
    expect(apiBaseFromPath('')).toBe('/api');
  });

  it('prefers a non-empty override without trailing slash', () => {
    expect(resolveApiBase('/dashboard/', 'http://localhost:1416/dashboard/api/')).toBe('http://localhost:1416/dashboard/api');
    expect(resolveApiBase('/dashboard/', '  ')).toBe('/dashboard/api');
    expect(resolveApiBase('/dashboard/', undefined)).toBe('/dashboard/api');
  });

  it('builds URLs skipping empty params and encoding values', () => {
    expect(apiUrl('/d/api', '/traces', { limit: 50, after_seq: null, entrypoint: 'a b&c' })).toBe('/d/api/traces?limit=50&entrypoint=a%20b%26c');
    expect(apiUrl('/d/api', '/config')).toBe('/d/api/config');
  });
});
