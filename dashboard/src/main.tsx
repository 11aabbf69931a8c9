import { render } from 'preact';
import { effect } from '@preact/signals';
import './theme.css';
import { App } from './App';
import { createApi } from './api';
import { createModel } from './state';
import { createSync } from './sync';
import { resolveApiBase } from './lib/apiBase';
import { pickInitialTheme, readStoredTheme, safeLocalStorage, storeTheme, systemPrefersDark } from './lib/theme';

const storage = safeLocalStorage();
const model = createModel(pickInitialTheme(storage, systemPrefersDark()));
if (readStoredTheme(storage) !== null) model.themeChosen.value = true;
effect(() => {
  const theme = model.theme.value;
  document.documentElement.dataset.theme = theme;
  if (model.themeChosen.value) storeTheme(storage, theme);
});
// Follow the system theme until the user picks one.
try {
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', (e) => {
    if (!model.themeChosen.value) model.actions.setTheme(e.matches ? 'dark' : 'light', false);
  });
} catch {
  // matchMedia unavailable: keep the initial theme.
}

const apiBase = resolveApiBase(window.location.pathname, import.meta.env.VITE_API_BASE);
const api = createApi(apiBase);
const sync = createSync(api, model);

// Deep link: `#trace=<trace_id>` opens that trace (each of its operations) once it is
// loaded; `#trace=<trace_id>:<root span id>` (a card's data-key) opens one operation.
const linked = /(?:^#|&)trace=([0-9a-zA-Z_-]+(?::[0-9a-zA-Z_-]+)?)/.exec(window.location.hash)?.[1];
if (linked) model.actions.openLinked(linked);

setInterval(() => model.actions.tick(), 1000);
render(<App model={model} sync={sync} apiBase={apiBase} />, document.getElementById('app')!);
void sync.start();
