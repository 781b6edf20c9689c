// Page entry: reads `?backend=` and the training settings from the URL, starts the training
// worker and the store, renders the app, loads the bundled sample scenes, offers a run saved in
// this browser, loads the model the link names (`?weights=<model.json URL>` or `#w=<weights>`),
// and keeps the URL in step with the settings (so a link reproduces a run).
//
// For tests and debugging, `window.__rd` holds the worker client and the store:
//   window.__rd.store.getState().runtime      // backend, reasons, adapter, ready, error
//   window.__rd.store.getState().training     // phase, progress per stage
//   await window.__rd.store.getState().runSelftest(64, 32)
//   await window.__rd.client.selftest(64, 32) // the raw reply
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { settingsFromQuery, settingsToQuery, type TrainSettings } from './config/settings';
import { linkedModel } from './persist/modelUrl';
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
  settings: fromUrl.settings,
  settingsErrors: fromUrl.errors,
  runStore: indexedDbRunStore(),
});
window.__rd = { client, store };

/** The URL with the settings that differ from the defaults, other parameters (backend) kept. */
function urlFor(settings: TrainSettings): string {
  const q = new URLSearchParams(window.location.search);
  for (const key of Object.keys(fromUrl.settings)) q.delete(key);
  for (const [k, v] of settingsToQuery(settings)) q.set(k, v);
  const search = q.toString();
  return `${window.location.pathname}${search ? `?${search}` : ''}${window.location.hash}`;
}
store.subscribe((s, prev) => {
  if (s.settings.values !== prev.settings.values) window.history.replaceState(null, '', urlFor(s.settings.values));
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
void store.getState().checkSavedRun();
const linked = linkedModel(window.location.href);
if (linked?.kind === 'url') void store.getState().loadModelFromUrl(linked.value);
if (linked?.kind === 'fragment') void store.getState().loadModelFromFragment(linked.text);
