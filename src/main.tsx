// Page entry: reads `?backend=`, starts the training worker and the store, renders the app.
//
// For tests and debugging, `window.__rd` holds the worker client and the store:
//   window.__rd.store.getState().runtime      // backend, reasons, adapter, ready, error
//   await window.__rd.store.getState().runSelftest(64, 32)
//   await window.__rd.client.selftest(64, 32) // the raw reply
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAppStore, type AppStore } from './state/store';
import { TrainClient } from './train/client';
import { isBackendName } from './train/protocol';
import { App } from './ui/App';
import { StoreProvider } from './ui/StoreContext';

declare global {
  interface Window {
    __rd?: { client: TrainClient; store: AppStore };
  }
}

const param = new URLSearchParams(window.location.search).get('backend');
const requested = isBackendName(param) ? param : undefined;

const client = new TrainClient();
const store = createAppStore(client, {
  pageHasWebGpu: 'gpu' in navigator && navigator.gpu !== undefined,
  ignoredBackendParam: param !== null && requested === undefined ? param : undefined,
});
window.__rd = { client, store };

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
