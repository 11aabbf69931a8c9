import { useState } from 'preact/hooks';
import { Ctx } from './context';
import type { Model } from './state';
import type { Sync } from './sync';
import { Header } from './components/Header';
import { StatusBanner } from './components/StatusBanner';
import { StatsBar } from './components/StatsBar';
import { Sidebar } from './components/Sidebar';
import { ListToolbar } from './components/ListToolbar';
import { TraceList } from './components/TraceList';
import { ConfirmDialog } from './components/ConfirmDialog';
import { TokenDialog } from './components/TokenDialog';
import { describeClear } from './lib/viewMode';
import './App.css';

/** `apiBase`: where the page reads the API (`lib/apiBase.ts`). */
type Props = { model: Model; sync: Sync; apiBase: string };

export function App({ model, sync, apiBase }: Props) {
  const [confirmOpen, setConfirmOpen] = useState(false);
  const clear = describeClear(model.config.value);

  async function confirmClear() {
    try {
      model.actions.setNotice(await sync.clear());
    } catch (e) {
      model.actions.setNotice(`Clear failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    setConfirmOpen(false);
  }

  return (
    <Ctx.Provider value={{ model, sync, apiBase }}>
      <div class="app">
        <Header onClear={() => setConfirmOpen(true)} />
        <main class="app__main">
          <StatusBanner />
          <StatsBar />
          <div class="app__columns">
            <Sidebar />
            <section class="app__traces" aria-labelledby="traces-heading">
              <ListToolbar />
              <TraceList />
            </section>
          </div>
        </main>
        <ConfirmDialog
          open={confirmOpen}
          title={clear.title}
          body={clear.body}
          confirmLabel="Clear traces"
          onConfirm={confirmClear}
          onCancel={() => setConfirmOpen(false)}
        />
        {model.auth.value !== 'ok' && <TokenDialog />}
      </div>
    </Ctx.Provider>
  );
}
