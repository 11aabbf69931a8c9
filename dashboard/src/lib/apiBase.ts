// Where the JSON API lives: the page's own path (without a trailing slash or
// `index.html`) + `/api`, so the app works under any path prefix.

export function apiBaseFromPath(pathname: string): string {
  let path = pathname.replace(/\/index\.html?$/i, '').replace(/\/+$/, '');
  if (!path.startsWith('/')) path = `/${path}`;
  return `${path === '/' ? '' : path}/api`;
}

export function resolveApiBase(pathname: string, override: string | undefined): string {
  const trimmed = override?.trim();
  if (trimmed) return trimmed.replace(/\/+$/, '');
  return apiBaseFromPath(pathname);
}

/** The dashboard path an older server (one whose config has no `dashboard_path`) is taken to use: the default. */
export const DEFAULT_DASHBOARD_PATH = '/dashboard';

/**
 * The server's root URL, where `/<pipeline>/run` lives: the API base the page uses (resolved against `pageUrl`)
 * without `/api` and without the dashboard path the server is mounted at. A prefix in front of that path is kept:
 * a proxy's (`/hh/dashboard/api` → `…/hh`) and the server's own root path alike. Should the page's path not end
 * with the dashboard path (a proxy that renames it), the root is the page's origin.
 */
export function serverRoot(apiBase: string, dashboardPath: string | null, pageUrl: string): string {
  const url = new URL(apiBase, pageUrl);
  const mounted = url.pathname.replace(/\/+$/, '').replace(/\/api$/, '');
  const path = dashboardPath ?? DEFAULT_DASHBOARD_PATH;
  const root = mounted.endsWith(path) ? mounted.slice(0, mounted.length - path.length) : '';
  return `${url.origin}${root}`;
}

/** `base` + `path` + query string, skipping null/undefined/empty values. */
export function apiUrl(base: string, path: string, params: Record<string, string | number | null | undefined> = {}): string {
  const query = Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${base}${path}${query ? `?${query}` : ''}`;
}
