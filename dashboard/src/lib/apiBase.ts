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

/** `base` + `path` + query string, skipping null/undefined/empty values. */
export function apiUrl(base: string, path: string, params: Record<string, string | number | null | undefined> = {}): string {
  const query = Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return `${base}${path}${query ? `?${query}` : ''}`;
}
