// Gives components the model, the sync controller and the API base the page uses, without prop drilling.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Model } from './state';
import type { Sync } from './sync';

export type AppContext = { model: Model; sync: Sync; apiBase: string };

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const ctx = useContext(Ctx);
  if (ctx === null) throw new Error('useApp() outside <Ctx.Provider>');
  return ctx;
}
