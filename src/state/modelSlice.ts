// The model slice: load a saved model (a link, the pretrained model, files, an autosave) into the
// worker, save the current one as files, and make share links. A model is checked in full
// before it replaces anything: here (format, version, sizes, byte counts) and in the worker
// (every tensor's shape and finiteness); on any failure the current networks, settings and
// maps stay and `model.error` says what went wrong.
import { checkSetting, SETTINGS, STAGE_NAMES, type StageName, type TrainSettings } from '../config/settings';
import type { ModelJson } from '../model/format';
import { fetchModel, ModelLoadError, type LoadProgress } from '../persist/fetchModel';
import { decodeModelFragment, MAX_FRAGMENT_CHARS, shareFragment } from '../persist/fragment';
import { readModelFiles, type NamedBlob } from '../persist/modelFiles';
import { pretrainedName, resolveModelUrl, shareLink } from '../persist/modelUrl';
import type { ModelLoadedReply } from '../train/protocol';
import { errorText, patch, when, type SliceDeps } from './slice';

/** Where the current weights came from. */
export interface ModelOrigin {
  kind: 'url' | 'pretrained' | 'files' | 'link' | 'autosave';
  /** In words, e.g. "https://…/model.json" or "model.json + weights.bin". */
  label: string;
}

export interface ShareState {
  busy: boolean;
  link?: string;
  /** How the link was made (precision, length), in words. */
  note?: string;
  error?: string;
}

export interface ModelSlice {
  /** A model being loaded: from where, and the bytes of its weights received so far. */
  loading?: { label: string; loaded: number; total: number };
  /** Why the last load failed (the current model is unchanged). */
  error?: string;
  /** The last model loaded, in words. */
  info?: string;
  origin?: ModelOrigin;
  share: ShareState;
  /** The worker's tensor count after the last load (tests check that it stays flat). */
  workerTensors?: number;
}

export interface ModelActions {
  /** Loads `?weights=`-style addresses: `pretrained/<name>`, or a model.json URL (relative or http(s)). Never rejects. */
  loadModelFromUrl: (value: string) => Promise<boolean>;
  /** Loads the model inside a `#w=` link fragment. Never rejects. */
  loadModelFromFragment: (text: string) => Promise<boolean>;
  /** Loads model.json and its weight files, picked or dropped. Never rejects. */
  importModelFiles: (files: NamedBlob[]) => Promise<boolean>;
  /**
   * Puts a checked model into the worker, adopts its settings and shows its maps of the selected
   * pair. Throws with a message on failure (nothing changed then).
   */
  applyModel: (modelJson: ModelJson, weightData: ArrayBuffer, origin: ModelOrigin) => Promise<ModelLoadedReply>;
  /** The current weights as files: model.json and weights.bin. */
  modelFiles: () => Promise<{ name: string; blob: Blob }[]>;
  /** A link with the weights inside (small models) for the current weights. Never rejects. */
  shareInline: () => Promise<void>;
  /** A link that loads a model the user has hosted (the URL of its model.json). */
  shareHosted: (modelJsonUrl: string) => void;
  clearShare: () => void;
}

export function initialModel(): ModelSlice {
  return { share: { busy: false } };
}

/**
 * The settings a loaded model brings: those saved in it, each checked against the table (bad or
 * unknown ones are reported and the current value stays), and the network size of its configs.
 */
export function adoptSettings(modelJson: ModelJson, current: TrainSettings): { settings: TrainSettings; notes: string[] } {
  const meta = modelJson.userDefinedMetadata;
  const notes: string[] = [];
  const out = { ...current } as unknown as Record<string, unknown>;
  const saved = typeof meta.settings === 'object' && meta.settings !== null ? (meta.settings as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(saved)) {
    const spec = SETTINGS.find((sp) => sp.key === key);
    const problem = spec ? checkSetting(spec, value) : `"${key}" is not a setting of this app`;
    if (problem === null) out[key] = value;
    else notes.push(`its setting ${key} = ${JSON.stringify(value)} was not taken (${problem})`);
  }
  const preset = meta.networks.stereo?.preset ?? meta.networks.single?.preset;
  if (preset === 'tiny' || preset === 'default') out.preset = preset;
  return { settings: out as unknown as TrainSettings, notes };
}

function kb(n: number): string {
  return `${Math.round(n / 1024)} KB`;
}

export function modelSlice(d: SliceDeps): ModelActions {
  const { get, client, buffers } = d;
  const setModel = (fields: Partial<ModelSlice>) => patch(d, 'model', fields);
  const pageHref = () => d.pageHref?.() ?? globalThis.location?.href ?? 'http://localhost/';

  /** Runs one load: progress and messages in the slice; false (and `model.error`) on failure. */
  const attempt = async (label: string, load: (progress: (p: LoadProgress) => void) => Promise<{ modelJson: ModelJson; weightData: ArrayBuffer }>, origin: ModelOrigin, failure?: (e: unknown) => string): Promise<boolean> => {
    if (get().model.loading) {
      setModel({ error: `A model is already loading (${get().model.loading!.label}); wait for it first.` });
      return false;
    }
    if (get().training.phase !== 'idle') {
      setModel({ error: 'Stop the training before loading a model (the current run would lose its weights).' });
      return false;
    }
    setModel({ loading: { label, loaded: 0, total: 0 }, error: undefined, info: undefined });
    try {
      const { modelJson, weightData } = await load((p) => setModel({ loading: { label, ...p } }));
      await get().applyModel(modelJson, weightData, origin);
      return true;
    } catch (e) {
      setModel({ error: failure ? failure(e) : `Could not load the model: ${errorText(e)}` });
      return false;
    } finally {
      setModel({ loading: undefined });
    }
  };

  return {
    applyModel: async (modelJson, weightData, origin) => {
      await when(d, (s) => s.runtime.ready || s.runtime.error !== undefined);
      if (!get().runtime.ready) throw new ModelLoadError(`the compute backend did not start (${get().runtime.error ?? 'unknown error'})`);
      if (get().training.phase !== 'idle') throw new ModelLoadError('stop the training first');
      const { settings, notes } = adoptSettings(modelJson, get().settings.values);
      await get().syncScenes(); // the new runner predicts on the worker's pairs
      let reply: ModelLoadedReply;
      try {
        reply = await client.loadModel(modelJson, weightData, settings);
      } catch (e) {
        throw new ModelLoadError(errorText(e));
      }
      patch(d, 'settings', { values: settings, problems: {} });
      buffers.clearLosses();
      buffers.clearPreviews();
      const t = get().training;
      patch(d, 'training', {
        hasWeights: true,
        completed: reply.trainer.completed,
        progress: {},
        current: undefined,
        error: undefined,
        note: undefined,
        lastEnd: `Loaded the model from ${origin.label}.`,
        previewVersion: t.previewVersion + 1,
        adapt: undefined, // its before / after were of the weights now replaced
      });
      const done = reply.trainer.completed.length > 0 ? `trained: ${reply.trainer.completed.map((s: StageName) => `stage ${STAGE_NAMES.indexOf(s) + 1}`).join(', ')}` : 'no stage finished yet';
      setModel({ origin, info: `Loaded ${origin.label} (${settings.preset} networks, seed ${settings.seed}; ${done}).`, workerTensors: reply.numTensors, share: { busy: false } });
      if (notes.length > 0) get().notify(notes.map((text) => ({ level: 'warning' as const, text: `Model: ${text}.` })));
      // Its maps of the selected pair at once (once the pairs being read are in).
      await when(d, (s) => s.dataset.loading === 0);
      const selected = get().dataset.selectedId;
      if (selected !== undefined) await get().showPair(selected);
      return reply;
    },

    loadModelFromUrl: (value) => {
      const name = pretrainedName(value);
      let url: URL;
      try {
        url = resolveModelUrl(value, pageHref());
      } catch (e) {
        setModel({ error: `Could not load the model: ${errorText(e)}` });
        return Promise.resolve(false);
      }
      const missing = (e: unknown) =>
        e instanceof ModelLoadError && /HTTP 404|is an HTML|HTML or XML page/.test(e.message)
          ? `No pretrained model "${name}" is installed with this app: ${url.href} is missing. (Train one, or load a model file.)`
          : `Could not load the pretrained model: ${errorText(e)}`;
      return attempt(
        url.href,
        (progress) => fetchModel(url, { fetcher: d.fetcher, onProgress: progress, pageOrigin: new URL(pageHref()).origin }),
        name !== undefined ? { kind: 'pretrained', label: `the pretrained model "${name}"` } : { kind: 'url', label: url.href },
        name !== undefined ? missing : undefined,
      );
    },

    loadModelFromFragment: (text) =>
      attempt('the link', async () => decodeModelFragment(text), { kind: 'link', label: 'the link' }),

    importModelFiles: (files) =>
      attempt(files.map((f) => f.path.split('/').pop()).join(' + '), () => readModelFiles(files), { kind: 'files', label: files.map((f) => f.path.split('/').pop()).join(' + ') }),

    modelFiles: async () => {
      const cp = await client.checkpoint();
      return [
        { name: 'model.json', blob: new Blob([JSON.stringify(cp.modelJson, null, 1)], { type: 'application/json' }) },
        { name: 'weights.bin', blob: new Blob([cp.weightData], { type: 'application/octet-stream' }) },
      ];
    },

    shareInline: async () => {
      setModel({ share: { busy: true } });
      try {
        if (!get().training.hasWeights) throw new Error('there are no weights yet: train, or load a model first');
        const cp = await client.checkpoint();
        const made = shareFragment(cp.modelJson as ModelJson, cp.weightData);
        if ('tooLarge' in made) {
          setModel({
            share: {
              busy: false,
              error: `This model is too large for a link with its weights inside: ${kb(made.tooLarge)} even at 8 bits, and links hold at most ${kb(MAX_FRAGMENT_CHARS)} (only the tiny network size fits). Download it, put model.json and weights.bin on a web server, and share a link to them below.`,
            },
          });
          return;
        }
        const link = shareLink(pageHref(), get().settings.values, { fragment: made.text });
        setModel({ share: { busy: false, link, note: `Weights inside the link at ${made.mode === 'float16' ? 'float16' : '8-bit'} precision; ${link.length.toLocaleString('en')} characters. Opening it loads this model and these settings.` } });
      } catch (e) {
        setModel({ share: { busy: false, error: `Could not make the link: ${errorText(e)}` } });
      }
    },

    shareHosted: (modelJsonUrl) => {
      try {
        const text = modelJsonUrl.trim();
        resolveModelUrl(text, pageHref()); // refuses what a link could not load
        const link = shareLink(pageHref(), get().settings.values, { weights: text });
        setModel({ share: { busy: false, link, note: 'Opening the link loads the model from that address (its server must allow other sites to read it: CORS) with these settings.' } });
      } catch (e) {
        setModel({ share: { busy: false, error: errorText(e) } });
      }
    },

    clearShare: () => setModel({ share: { busy: false } }),
  };
}
