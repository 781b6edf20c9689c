// The app store (zustand, vanilla: usable without React). Its actions are the only bridge from
// the UI to the training worker: they call the TrainClient and write the replies into slices.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { TrainClient } from '../train/client';
import type { AdapterSummary, BackendName, SelftestReply } from '../train/protocol';

export interface RuntimeSlice {
  /** `navigator.gpu` exists on the page (the worker checks its own). */
  pageHasWebGpu: boolean;
  /** Backend forced with `?backend=`. */
  requested?: BackendName;
  /** A `?backend=` value that is not a backend name; ignored. */
  ignoredBackendParam?: string;
  initialising: boolean;
  ready: boolean;
  /** The backend tfjs really runs on in the worker. */
  backend?: BackendName;
  /** Why each better backend was passed over (from the worker). */
  reasons: string[];
  adapter?: AdapterSummary;
  warmupMs?: number;
  /** Last error from init or from the worker itself. */
  error?: string;
}

export interface SelftestSlice {
  running: boolean;
  result?: SelftestReply;
  error?: string;
}

export interface AppActions {
  /** (Re)starts the worker run on the given or automatically chosen backend. Never rejects. */
  init: (backend?: BackendName) => Promise<void>;
  /** Runs the self-test at `width` x `height`. Never rejects; see `selftest.error`. */
  runSelftest: (width: number, height: number) => Promise<void>;
}

export interface AppState extends AppActions {
  runtime: RuntimeSlice;
  selftest: SelftestSlice;
}

export type AppStore = StoreApi<AppState>;

export interface AppEnv {
  pageHasWebGpu: boolean;
  ignoredBackendParam?: string;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function createAppStore(client: TrainClient, env: AppEnv): AppStore {
  const store = createStore<AppState>()((set, get) => ({
    runtime: {
      pageHasWebGpu: env.pageHasWebGpu,
      ignoredBackendParam: env.ignoredBackendParam,
      initialising: false,
      ready: false,
      reasons: [],
    },
    selftest: { running: false },

    init: async (backend) => {
      set((s) => ({
        runtime: { ...s.runtime, requested: backend, initialising: true, ready: false, error: undefined },
        selftest: { running: false },
      }));
      try {
        const r = await client.init(backend);
        set((s) => ({
          runtime: {
            ...s.runtime,
            initialising: false,
            ready: true,
            backend: r.backend,
            reasons: r.reasons,
            adapter: r.adapter,
            warmupMs: r.warmupMs,
          },
        }));
      } catch (err) {
        set((s) => ({ runtime: { ...s.runtime, initialising: false, ready: false, error: errorText(err) } }));
      }
    },

    runSelftest: async (width, height) => {
      if (get().selftest.running) return;
      set({ selftest: { running: true } });
      try {
        const result = await client.selftest(width, height);
        set({ selftest: { running: false, result } });
      } catch (err) {
        set({ selftest: { running: false, error: errorText(err) } });
      }
    },
  }));

  client.onWorkerError((message) => {
    store.setState((s) => ({ runtime: { ...s.runtime, error: message } }));
  });
  return store;
}
