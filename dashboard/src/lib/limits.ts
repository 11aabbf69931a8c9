// How many traces a read asks for. The API answers 422 above its largest page (max_limit), so no read asks for more.
import type { DashboardConfig } from '../types';

/**
 * The first read (and every reload from scratch) asks for a whole list at once, in one read rather than paging back:
 * list_cap traces, at least fetch_limit, but never more than max_limit. With a list_cap above max_limit the list
 * starts with max_limit traces and grows to list_cap as new ones arrive.
 */
export function firstPageLimit(config: Pick<DashboardConfig, 'list_cap' | 'fetch_limit' | 'max_limit'>): number {
  return Math.min(config.max_limit, Math.max(config.fetch_limit, config.list_cap));
}

/** A follow-up read after the cursor: fetch_limit, never more than max_limit. */
export function nextPageLimit(config: Pick<DashboardConfig, 'fetch_limit' | 'max_limit'>): number {
  return Math.min(config.max_limit, config.fetch_limit);
}
