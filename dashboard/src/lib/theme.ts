// Theme choice: stored choice, then prefers-color-scheme, then light.
// localStorage may throw (privacy mode, sandboxed iframes): always guarded.
import type { ThemeName } from '../types';

export const THEME_STORAGE_KEY = 'hayhooks.dashboard.theme';

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

export function readStoredTheme(storage: StorageLike | null | undefined): ThemeName | null {
  try {
    const value = storage?.getItem(THEME_STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : null;
  } catch {
    return null;
  }
}

export function storeTheme(storage: StorageLike | null | undefined, theme: ThemeName): void {
  try {
    storage?.setItem(THEME_STORAGE_KEY, theme);
  } catch {
    // Not persisted; the choice still applies to this page.
  }
}

export function pickInitialTheme(storage: StorageLike | null | undefined, prefersDark: boolean | null): ThemeName {
  return readStoredTheme(storage) ?? (prefersDark === true ? 'dark' : 'light');
}

export function safeLocalStorage(): StorageLike | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null;
  }
}

export function systemPrefersDark(): boolean | null {
  try {
    return typeof window !== 'undefined' && typeof window.matchMedia === 'function'
      ? window.matchMedia('(prefers-color-scheme: dark)').matches
      : null;
  } catch {
    return null;
  }
}
