import { describe, expect, it } from 'vitest';
import { apiBaseFromPath, apiUrl, resolveApiBase, serverRoot } from './apiBase';

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

  it('finds the server root: the API base without /api and without the configured dashboard path', () => {
    const page = 'http://127.0.0.1:26080/ops/traces/';
    expect(serverRoot('/ops/traces/api', '/ops/traces', page)).toBe('http://127.0.0.1:26080');
    expect(serverRoot(apiBaseFromPath('/ops/traces/index.html'), '/ops/traces', page)).toBe('http://127.0.0.1:26080');
    expect(serverRoot('/dashboard/api', '/dashboard', 'http://h:1416/dashboard/')).toBe('http://h:1416');
    // A dashboard path of one segment inside a deeper mount: only that path is taken off.
    expect(serverRoot('/ops/traces/api', '/traces', page)).toBe('http://127.0.0.1:26080/ops');
  });

  it('keeps the prefix of a proxy (or the server root path) in front of the dashboard path', () => {
    expect(serverRoot('/hh/dashboard/api', '/dashboard', 'https://example.org/hh/dashboard/')).toBe('https://example.org/hh');
    expect(serverRoot('/hh/ops/traces/api', '/ops/traces', 'https://example.org/hh/ops/traces/')).toBe('https://example.org/hh');
  });

  it('takes the origin of an absolute API base (VITE_API_BASE)', () => {
    expect(serverRoot('http://localhost:1416/dashboard/api', '/dashboard', 'http://localhost:5173/')).toBe('http://localhost:1416');
  });

  it('assumes /dashboard for a server that does not say its path; the origin when the path does not match', () => {
    expect(serverRoot('/hh/dashboard/api', null, 'http://h/hh/dashboard/')).toBe('http://h/hh');
    expect(serverRoot('/renamed/api', '/dashboard', 'http://h/renamed/')).toBe('http://h');
  });
});
