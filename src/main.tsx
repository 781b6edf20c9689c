// Page entry: reads `?backend=` and the training settings from the URL, starts the training
// worker and the store, renders the app, loads the bundled sample scenes, and opens the model the
// link names (`?weights=<model.json URL>` or `#w=<weights>`), or on a plain visit the shipped
// model unless a run saved in this browser is offered (`openPage` in src/state/modelSlice.ts).
// It keeps the URL in step with the settings and the model, so a link or a reload reproduces
// what the page shows.
//
// For tests and debugging, `window.__rd` holds the worker client and the store:
//   window.__rd.store.getState().runtime      // backend, reasons, adapter, ready, error
//   window.__rd.store.getState().training     // phase, progress per stage
//   await window.__rd.store.getState().runSelftest(64, 32)
//   await window.__rd.client.selftest(64, 32) // the raw reply
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { settingsFromQuery } from './config/settings';
import { pageAddress, threadStepFor } from './persist/modelUrl';
import { indexedDbRunStore } from './persist/runStore';
import { createAppStore, type AppStore } from './state/store';
import { TrainClient } from './train/client';
import { isBackendName } from './train/protocol';
import { App } from './ui/App';
import { StoreProvider } from './ui/StoreContext';
import './ui/app.css';

declare global {
  interface Window {
    __rd?: { client: TrainClient; store: AppStore };
  }
}

const query = new URLSearchParams(window.location.search);
const param = query.get('backend');
const requested = isBackendName(param) ? param : undefined;
const fromUrl = settingsFromQuery(query);
const threadsParam = query.get('wasmThreads');
const wasmThreads = threadsParam !== null && Number.isFinite(Number(threadsParam)) && threadsParam.trim() !== '' ? Number(threadsParam) : undefined;

const client = new TrainClient();
const store = createAppStore(client, {
  pageHasWebGpu: 'gpu' in navigator && navigator.gpu !== undefined,
  ignoredBackendParam: param !== null && requested === undefined ? param : undefined,
  wasmThreads,
  // opening the shipped model: the wasm threads are planned for its training step
  threadStep: threadStepFor(window.location.href),
  settings: fromUrl.settings,
  settingsErrors: fromUrl.errors,
  runStore: indexedDbRunStore(),
});
window.__rd = { client, store };

// The address: the settings that differ from the defaults and the model (other parameters, such as backend, kept).
store.subscribe((s, prev) => {
  if (s.settings.values !== prev.settings.values || s.model.address !== prev.model.address) {
    window.history.replaceState(null, '', pageAddress(window.location.href, s.settings.values, s.model.address));
  }
});

const rootEl = document.getElementById('root');
if (rootEl === null) throw new Error('index.html has no #root element');
createRoot(rootEl).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);

void store.getState().init(requested);
void store.getState().loadSamples(new URL('./', window.location.href).href);
void store.getState().openPage(window.location.href);
