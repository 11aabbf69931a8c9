import { describe, expect, it } from 'vitest';
import { pickInitialTheme, readStoredTheme, storeTheme, THEME_STORAGE_KEY } from './theme';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
}

const throwing = {
  getItem: () => { throw new Error('SecurityError'); },
  setItem: () => { throw new Error('QuotaExceeded'); },
};

describe('theme choice', () => {
  it('stored choice wins, then the system preference, then light', () => {
    expect(pickInitialTheme(memoryStorage({ [THEME_STORAGE_KEY]: 'dark' }), false)).toBe('dark');
    expect(pickInitialTheme(memoryStorage({ [THEME_STORAGE_KEY]: 'light' }), true)).toBe('light');
    expect(pickInitialTheme(memoryStorage(), true)).toBe('dark');
    expect(pickInitialTheme(memoryStorage(), false)).toBe('light');
    expect(pickInitialTheme(null, null)).toBe('light');
    expect(readStoredTheme(memoryStorage({ [THEME_STORAGE_KEY]: 'purple' }))).toBeNull();
  });

  it('survives a throwing localStorage', () => {
    expect(pickInitialTheme(throwing, true)).toBe('dark');
    expect(() => storeTheme(throwing, 'dark')).not.toThrow();
  });

  it('stores the choice', () => {
    const s = memoryStorage();
    storeTheme(s, 'dark');
    expect(s.data.get(THEME_STORAGE_KEY)).toBe('dark');
  });
});
