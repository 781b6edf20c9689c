// The app store (zustand, vanilla: usable without React). Its actions are the only bridge from
// the UI to the training worker: they call the TrainClient and write the replies into slices.
// Slices: runtime and self-test (here), dataset, settings, training, view (their own files).
// Bulky data (images, maps, loss history) lives in `buffers`, outside React state.
import { createStore, type StoreApi } from 'zustand/vanilla';
import { defaultSettings, STAGE_NAMES, type TrainSettings } from '../config/settings';
import type { Decoders } from '../data/intake';
import type { TrainClient } from '../train/client';
import type { AdapterSummary, BackendName, SelftestReply } from '../train/protocol';
import type { RunStore } from '../persist/runStore';
import type { StepSize } from '../train/wasmThreads';
import { AUTOSAVE_MS, autosaveSlice, initialAutosave, type AutosaveActions, type AutosaveSlice } from './autosave';
import { AppBuffers } from './buffers';
import { datasetSlice, initialDataset, type DatasetActions, type DatasetSlice } from './dataset';
import { initialModel, modelSlice, type ModelActions, type ModelSlice } from './modelSlice';
import { settingsSlice, type SettingsActions, type SettingsSlice } from './settingsSlice';
import { errorText, patch, type SliceDeps } from './slice';
import { initialTraining, trainingSlice, type TrainingActions, type TrainingSlice } from './training';
import { initialView, viewSlice, type ViewActions, type ViewSlice } from './view';

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
  /** The worker is cross-origin isolated (needed for threaded wasm). */
  crossOriginIsolated?: boolean;
  /** Threads of the wasm backend, when it runs on wasm. */
  wasmThreads?: number;
  /** How that thread count was chosen. */
  wasmThreadsNote?: string;
  /** On wasm: threads of our own convolution kernels (0: they did not load, tfjs's run). */
  wasmConvThreads?: number;
  /** Last error from init or from the worker itself. */
  error?: string;
  /** What happened to the backend during this run (a lost GPU device and the recovery), oldest first. */
  incidents: string[];
}

export interface SelftestSlice {
  running: boolean;
  result?: SelftestReply;
  error?: string;
}

export interface RuntimeActions {
  /** (Re)starts the worker run on the given or automatically chosen backend. Never rejects. */
  init: (backend?: BackendName) => Promise<void>;
  /** Runs the self-test at `width` x `height`. Never rejects; see `selftest.error`. */
  runSelftest: (width: number, height: number) => Promise<void>;
}

export type AppActions = RuntimeActions & DatasetActions & SettingsActions & TrainingActions & ViewActions & ModelActions & AutosaveActions;

export interface AppState extends AppActions {
  runtime: RuntimeSlice;
  selftest: SelftestSlice;
  dataset: DatasetSlice;
  settings: SettingsSlice;
  training: TrainingSlice;
  view: ViewSlice;
  model: ModelSlice;
  autosave: AutosaveSlice;
  /** Images, maps and loss history: mutated in place, never replaced (see ./buffers.ts). */
  buffers: AppBuffers;
}

export type AppStore = StoreApi<AppState>;

export interface AppEnv {
  pageHasWebGpu: boolean;
  ignoredBackendParam?: string;
  /** Threads asked for the wasm backend (`?wasmThreads=`); none: one per logical core, at most 4. */
  wasmThreads?: number;
  /** Initial settings (from the URL); defaults when absent. */
  settings?: TrainSettings;
  /**
   * The training step the wasm thread count is planned for, when not the initial settings' (the page: the
   * shipped model's on a plain visit, which loads it; src/train/wasmThreads.ts).
   */
  threadStep?: StepSize;
  /** Problems found reading the settings from the URL, shown as messages. */
  settingsErrors?: string[];
  /** Image decoders (tests pass Node ones). */
  decoders?: Decoders;
  /** Where autosaves go (the page: IndexedDB); none: no autosave. */
  runStore?: RunStore;
  /** Milliseconds between autosaves while training (default 5 s). */
  autosaveMs?: number;
  /** Fetch for models (tests pass a fake one). */
  fetcher?: typeof fetch;
  /** Where the app is served, for share links (default: location.href). */
  pageHref?: () => string;
}

export function createAppStore(client: TrainClient, env: AppEnv): AppStore {
  const buffers = new AppBuffers();
  const store = createStore<AppState>()((set, get, api) => {
    const deps: SliceDeps = {
      set,
      get,
      subscribe: api.subscribe,
      client,
      buffers,
      decoders: env.decoders,
      fetcher: env.fetcher,
      pageHref: env.pageHref,
      runStore: env.runStore,
      autosaveMs: env.autosaveMs ?? AUTOSAVE_MS,
    };
    return {
      runtime: {
        pageHasWebGpu: env.pageHasWebGpu,
        ignoredBackendParam: env.ignoredBackendParam,
        initialising: false,
        ready: false,
        reasons: [],
        incidents: [],
      },
      selftest: { running: false },
      dataset: initialDataset(),
      settings: { values: env.settings ?? defaultSettings(), problems: {}, stages: [...STAGE_NAMES] },
      training: initialTraining(),
      view: initialView(),
      model: initialModel(),
      autosave: initialAutosave(),
      buffers,

      init: async (backend) => {
        set((s) => ({
          runtime: { ...s.runtime, requested: backend, initialising: true, ready: false, error: undefined, incidents: [] },
          selftest: { running: false },
        }));
        // A new run starts with no networks, and the worker gets the pairs again.
        patch(deps, 'training', { ...initialTraining(), previewVersion: get().training.previewVersion + 1, adaptSeconds: get().training.adaptSeconds });
        buffers.clearPreviews();
        buffers.clearLosses();
        try {
          const { preset, width, height, batch } = get().settings.values;
          const r = await client.init(backend, { wasmThreads: env.wasmThreads, step: env.threadStep ?? { preset, width, height, batch } });
          set((s) => ({
            runtime: {
              ...s.runtime,
              initialising: false,
              ready: true,
              backend: r.backend,
              reasons: r.reasons,
              adapter: r.adapter,
              warmupMs: r.warmupMs,
              crossOriginIsolated: r.crossOriginIsolated,
              wasmThreads: r.wasmThreads,
              wasmThreadsNote: r.wasmThreadsNote,
              wasmConvThreads: r.wasmConvThreads,
            },
          }));
        } catch (err) {
          set((s) => ({ runtime: { ...s.runtime, initialising: false, ready: false, error: errorText(err) } }));
        }
      },

      runSelftest: async (width, height) => {
        if (get().selftest.running) return;
        set({ selftest: { running: true } });
        patch(deps, 'training', { error: undefined, lastEnd: undefined }); // the status line reports the self-test now
        try {
          const result = await client.selftest(width, height);
          set({ selftest: { running: false, result } });
        } catch (err) {
          set({ selftest: { running: false, error: errorText(err) } });
        }
      },

      ...datasetSlice(deps),
      ...settingsSlice(deps),
      ...trainingSlice(deps),
      ...viewSlice(deps),
      ...modelSlice(deps),
      ...autosaveSlice(deps),
    };
  });

  client.onWorkerError((message) => {
    store.setState((s) => ({ runtime: { ...s.runtime, error: message } }));
  });
  client.onDeviceEvent((ev) => store.getState().onDeviceEvent(ev));
  client.onTrainEvent((ev) => {
    store.getState().onTrainEvent(ev);
    store.getState().autosaveOnEvent(ev);
    store.getState().modelOnTrainEvent(ev);
  });
  // Weights dropped (Reset, a new backend run, a lost device): the address must not bring a model back.
  store.subscribe((s, prev) => {
    if (prev.training.hasWeights && !s.training.hasWeights) s.modelDropped();
  });
  if (env.settingsErrors && env.settingsErrors.length > 0) {
    store.getState().notify(env.settingsErrors.map((e) => ({ level: 'warning' as const, text: `URL settings: ${e} (the default is used).` })));
  }
  return store;
}
