// The autosave slice: while training, the weights, settings and the run's progress go to the
// browser's storage (IndexedDB) every `autosaveMs` (5 s) and at each stage end and run end, and
// the pairs trained on whenever they changed. Reopening the app offers the saved run: "Resume
// saved run" restores the pairs and the weights and continues the stage at the saved step;
// "Discard" deletes it. A reload loses at most the last interval (plus the step in flight).
import { STAGE_NAMES, type StageName, type TrainSettings } from '../config/settings';
import type { LoadedScene } from '../data/intake';
import { parseModelJson } from '../model/format';
import { remainingOf, runProgressOf, stagesOf, type RunProgress } from '../train/runProgress';
import type { TrainEndReply, TrainEvent } from '../train/protocol';
import type { SceneData } from './buffers';
import { budgetLeft } from './adapt';
import { errorText, patch, when, type SliceDeps } from './slice';

export const AUTOSAVE_MS = 5000;
const RUN_KEY = 'run';
const PAIRS_KEY = 'pairs';

/** One autosave: a checkpoint (its metadata holds settings, finished stages and `run`) and the stage choice. */
export interface SavedRun {
  version: 1;
  savedAt: number;
  modelJson: unknown;
  weightData: ArrayBuffer;
  /** Stages ticked for the run. */
  stages: StageName[];
  /** Pairs saved with it (under their own key, written only when they change). */
  pairCount: number;
  /**
   * The run was Adapt with this budget in seconds: resuming it goes on as Adapt (on the user's
   * own pairs, the stages left with their shares of it), not as a Train of the step counts.
   */
  adaptSeconds?: number;
}

/** A pair as saved: 8-bit RGB views (the files were 8-bit), GT and mask as they are, and whether it is a bundled sample. */
interface SavedPair extends Omit<SceneData, 'leftImg' | 'rightImg' | 'id'> {
  left: Uint8Array;
  right: Uint8Array;
}

interface SavedPairs {
  version: 1;
  pairs: SavedPair[];
  selectedName?: string;
}

/** What the banner says about a saved run. */
export interface SavedRunInfo {
  savedAt: number;
  settings?: TrainSettings;
  run?: RunProgress;
  completed: StageName[];
  pairCount: number;
}

export interface AutosaveSlice {
  /** A saved run found on opening, offered for resuming. */
  offer?: SavedRunInfo;
  /** When the last autosave was written, and the step it holds. */
  lastSavedAt?: number;
  lastSavedStep?: { stage: StageName; step: number };
  resuming: boolean;
  /** Why the last autosave or resume failed. */
  error?: string;
}

export interface AutosaveActions {
  /** Looks for a saved run (on opening). Never rejects. */
  checkSavedRun: () => Promise<void>;
  /** Restores the saved pairs and weights and continues the run where it stood. Never rejects. */
  resumeSavedRun: () => Promise<void>;
  discardSavedRun: () => Promise<void>;
  /** Saves now (queued behind a save in flight); resolves when written. */
  autosaveNow: () => Promise<void>;
  /** Saves on the interval and at stage ends (called for every streamed training message). */
  autosaveOnEvent: (ev: TrainEvent) => void;
  /** The run ended: saves its final state, or forgets the saved run after a reset. */
  autosaveAfterRun: (end?: TrainEndReply) => Promise<void>;
}

export function initialAutosave(): AutosaveSlice {
  return { resuming: false };
}

const toBytes = (img: Float32Array) => Uint8Array.from(img, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255));
const toFloats = (bytes: Uint8Array) => Float32Array.from(bytes, (b) => b / 255);

function savePair(s: SceneData): SavedPair {
  const { leftImg, rightImg, id: _id, ...rest } = s;
  return { ...rest, left: toBytes(leftImg.data), right: toBytes(rightImg.data) };
}

function loadPair(p: SavedPair): LoadedScene & { sample?: boolean } {
  const { left, right, ...rest } = p;
  return { ...rest, leftImg: { width: p.width, height: p.height, data: toFloats(left) }, rightImg: { width: p.width, height: p.height, data: toFloats(right) } };
}

function isSavedRun(x: unknown): x is SavedRun {
  const r = x as SavedRun | undefined;
  return typeof r === 'object' && r !== null && r.version === 1 && r.weightData instanceof ArrayBuffer && typeof r.savedAt === 'number';
}

function describe(rec: SavedRun): SavedRunInfo {
  const meta = ((rec.modelJson as { userDefinedMetadata?: Record<string, unknown> } | null)?.userDefinedMetadata ?? {}) as Record<string, unknown>;
  const run = runProgressOf(meta.run);
  return { savedAt: rec.savedAt, settings: meta.settings as TrainSettings | undefined, completed: stagesOf(meta.completedStages), pairCount: rec.pairCount, ...(run ? { run } : {}) };
}

export function autosaveSlice(d: SliceDeps): AutosaveActions {
  const { get, client, buffers, runStore } = d;
  const setA = (fields: Partial<AutosaveSlice>) => patch(d, 'autosave', fields);
  let chain: Promise<void> = Promise.resolve();
  let queued = false;
  let lastSave = 0;
  let savedPairsVersion = -1;

  const write = async () => {
    if (!runStore || (!get().training.hasWeights && get().training.phase === 'idle')) return;
    const cp = await client.checkpoint();
    const ds = get().dataset;
    if (ds.version !== savedPairsVersion) {
      const pairs = ds.pairs.flatMap((p) => {
        const s = buffers.scenes.get(p.id);
        return s ? [savePair(s)] : [];
      });
      const selectedName = ds.pairs.find((p) => p.id === ds.selectedId)?.name;
      await runStore.put(PAIRS_KEY, { version: 1, pairs, ...(selectedName !== undefined ? { selectedName } : {}) } satisfies SavedPairs);
      savedPairsVersion = ds.version;
    }
    // weights of an Adapt run: resuming them goes on as Adapt (a finished run has nothing left to resume)
    const adapt = get().training.adapt;
    const rec: SavedRun = { version: 1, savedAt: Date.now(), modelJson: cp.modelJson, weightData: cp.weightData, stages: get().training.runStages, pairCount: ds.pairs.length, ...(adapt ? { adaptSeconds: adapt.budgetSec } : {}) };
    await runStore.put(RUN_KEY, rec);
    setA({ lastSavedAt: rec.savedAt, lastSavedStep: cp.run?.current, error: undefined });
  };

  const autosave = (): Promise<void> => {
    if (!runStore) return Promise.resolve();
    if (queued) return chain; // the save already queued will see the latest weights
    queued = true;
    lastSave = Date.now();
    chain = chain.then(async () => {
      queued = false;
      try {
        await write();
      } catch (e) {
        setA({ error: `Autosave failed: ${errorText(e)}` });
      }
    });
    return chain;
  };

  const forget = async () => {
    if (!runStore) return;
    await chain;
    await Promise.all([runStore.delete(RUN_KEY), runStore.delete(PAIRS_KEY)]);
    savedPairsVersion = -1;
    setA({ offer: undefined, lastSavedAt: undefined, lastSavedStep: undefined });
  };

  return {
    autosaveNow: autosave,

    autosaveOnEvent: (ev) => {
      if (!runStore) return;
      if (ev.type === 'trainStart') {
        lastSave = Date.now();
        setA({ offer: undefined }); // this run replaces the saved one
      } else if (ev.type === 'stageEnd') void autosave();
      else if (ev.type === 'step' && Date.now() - lastSave >= d.autosaveMs) void autosave();
    },

    autosaveAfterRun: async (end) => {
      if (!runStore) return;
      if (end?.reset) await forget().catch((e: unknown) => setA({ error: `Could not delete the saved run: ${errorText(e)}` }));
      else await autosave();
    },

    checkSavedRun: async () => {
      if (!runStore) return;
      try {
        const rec = await runStore.get<unknown>(RUN_KEY);
        if (isSavedRun(rec)) setA({ offer: describe(rec) });
      } catch (e) {
        setA({ error: `Could not read the saved run: ${errorText(e)}` });
      }
    },

    discardSavedRun: async () => {
      try {
        await forget();
      } catch (e) {
        setA({ error: `Could not delete the saved run: ${errorText(e)}` });
      }
    },

    resumeSavedRun: async () => {
      if (!runStore || get().autosave.resuming) return;
      setA({ resuming: true, error: undefined });
      try {
        const rec = await runStore.get<unknown>(RUN_KEY);
        if (!isSavedRun(rec)) throw new Error('the saved run is gone (discarded in another tab?)');
        const modelJson = parseModelJson(rec.modelJson);
        const saved = await runStore.get<SavedPairs>(PAIRS_KEY);
        await when(d, (s) => s.dataset.loading === 0 && (s.runtime.ready || s.runtime.error !== undefined));
        if (get().training.phase !== 'idle') throw new Error('stop the training first');
        if (saved && saved.pairs.length > 0) get().restorePairs(saved.pairs.map(loadPair), saved.selectedName);
        const when_ = new Date(rec.savedAt).toLocaleTimeString('en-GB');
        await get().applyModel(modelJson, rec.weightData, { kind: 'autosave', label: `the run saved at ${when_}` });
        savedPairsVersion = get().dataset.version;
        const run = runProgressOf(modelJson.userDefinedMetadata.run);
        setA({ offer: undefined, resuming: false });
        const left = run ? remainingOf(run) : { stages: [] };
        if (rec.adaptSeconds !== undefined && rec.adaptSeconds > 0) {
          // Adapt runs all three stages whatever is ticked: the ticks stay the user's
          if (left.stages.length > 0) void get().adapt({ budgetSeconds: budgetLeft(rec.adaptSeconds, run!.stages, left.stages), resume: left });
          return;
        }
        const ticks = run?.stages ?? rec.stages;
        for (const s of STAGE_NAMES) get().setStageEnabled(s, ticks.includes(s));
        if (left.stages.length > 0) void get().train(left);
      } catch (e) {
        setA({ resuming: false, error: `Could not resume the saved run: ${errorText(e)}` });
      }
    },
  };
}
