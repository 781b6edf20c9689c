// The model slice: load a saved model (a link, the pretrained model, files, an autosave) into the
// worker, save the current one as files, and make share links. A model is checked in full
// before it replaces anything: here (format, version, sizes, byte counts) and in the worker
// (every tensor's shape and finiteness); on any failure the current networks, settings and
// maps stay and `model.error` says what went wrong.
//
// Which settings win: a model brings the settings it was trained with, except those the page
// address names next to it (`?weights=...&stepsStereo=60`: the person who wrote the address asked
// for them); `model.settingsNote` says which of the page's settings the model replaced and which
// the address kept. The network size always follows the weights.
//
// The address follows the model (`model.address`, written by src/main.tsx): `?weights=<value>`
// after a load by URL (so a reload brings the model back), the `#w=` fragment after a link's
// model, neither after files or a saved run; a Train or Adapt drops it (the weights are no longer
// that model's; the autosave holds the run), and a Reset writes `?weights=none`.
import { checkSetting, SETTINGS, settingsFromQuery, STAGE_NAMES, type StageName, type TrainSettings } from '../config/settings';
import type { ModelJson } from '../model/format';
import { fetchModel, ModelLoadError, type LoadProgress } from '../persist/fetchModel';
import { decodeModelFragment, MAX_FRAGMENT_CHARS, shareFragment } from '../persist/fragment';
import { readModelFiles, type NamedBlob } from '../persist/modelFiles';
import { NO_WEIGHTS, openingModel, PRETRAINED_DEFAULT, pretrainedName, resolveModelUrl, shareLink, type ModelAddress } from '../persist/modelUrl';
import type { ModelLoadedReply, TrainEvent } from '../train/protocol';
import type { SettingKey } from './settingsSlice';
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
  /** What the page address should say about the current model; undefined: as the page was opened. */
  address?: ModelAddress;
  /** The model the page address named: being loaded, or the current weights. */
  linked?: 'loading' | 'shown';
  /** Which of the page's settings the last model replaced, and which the address kept (`settingsNote` says it in words). */
  settingsChanges?: { replaced: SettingChange[]; kept: SettingChange[] };
  /** A run (Train or Adapt) has changed the loaded weights since the last load. */
  trained?: boolean;
}

/** How a load goes: settings the address named (they win over the model's), quietly (the shipped model on opening). */
export interface LoadOptions {
  keep?: readonly SettingKey[];
  /** A failure is a note in `model.info`, not an error: nobody asked for this model. */
  quiet?: boolean;
}

export interface ModelActions {
  /**
   * On opening: the saved-run check, then the model the address names (see `openingModel`), or
   * for a plain visit with no saved run the shipped model. Never rejects.
   */
  openPage: (href: string) => Promise<void>;
  /** Loads `?weights=`-style addresses: `pretrained/<name>`, or a model.json URL (relative or http(s)). Never rejects. */
  loadModelFromUrl: (value: string, opts?: LoadOptions) => Promise<boolean>;
  /** Loads the model inside a `#w=` link fragment. Never rejects. */
  loadModelFromFragment: (text: string, opts?: LoadOptions) => Promise<boolean>;
  /** Loads model.json and its weight files, picked or dropped. Never rejects. */
  importModelFiles: (files: NamedBlob[]) => Promise<boolean>;
  /**
   * Puts a checked model into the worker, adopts its settings and shows its maps of the selected
   * pair. Throws with a message on failure (nothing changed then).
   */
  applyModel: (modelJson: ModelJson, weightData: ArrayBuffer, origin: ModelOrigin, opts?: LoadOptions) => Promise<ModelLoadedReply>;
  /** A run starting changes the weights: the address no longer names them (see the top of this file). */
  modelOnTrainEvent: (ev: TrainEvent) => void;
  /** The weights were dropped (Reset, a lost device): the address says `weights=none`. */
  modelDropped: () => void;
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

/** One setting the model and the page disagree on: its label, the page's value and the model's. */
export interface SettingChange {
  key: SettingKey;
  label: string;
  page: unknown;
  model: unknown;
}

/**
 * The settings a loaded model brings: those saved in it, each checked against the table (bad or
 * unknown ones are reported and the current value stays), and the network size of its configs.
 * Settings in `keep` (those the page address names) stay as they are: `kept` lists those the
 * model would have changed, `replaced` those it did change. The network size is not the
 * address's to keep: the weights fix it (a note says so when they disagree).
 */
export function adoptSettings(
  modelJson: ModelJson,
  current: TrainSettings,
  keep: readonly SettingKey[] = [],
): { settings: TrainSettings; notes: string[]; replaced: SettingChange[]; kept: SettingChange[] } {
  const meta = modelJson.userDefinedMetadata;
  const notes: string[] = [];
  const cur = current as unknown as Record<string, unknown>;
  const out = { ...cur };
  const kept: SettingChange[] = [];
  const saved = typeof meta.settings === 'object' && meta.settings !== null ? (meta.settings as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(saved)) {
    const spec = SETTINGS.find((sp) => sp.key === key);
    const problem = spec ? checkSetting(spec, value) : `"${key}" is not a setting of this app`;
    if (problem !== null) notes.push(`its setting ${key} = ${JSON.stringify(value)} was not taken (${problem})`);
    else if (key !== 'preset' && keep.includes(key as SettingKey)) {
      if (value !== cur[key]) kept.push({ key: key as SettingKey, label: spec!.label, page: cur[key], model: value });
    } else out[key] = value;
  }
  const preset = meta.networks.stereo?.preset ?? meta.networks.single?.preset;
  if (preset === 'tiny' || preset === 'default') {
    if (keep.includes('preset') && preset !== cur.preset) notes.push(`the address asks for ${String(cur.preset)} networks, but its weights are ${preset} networks, and the weights decide the network size`);
    out.preset = preset;
  }
  const replaced = SETTINGS.filter((spec) => out[spec.key] !== cur[spec.key]).map((spec) => ({ key: spec.key, label: spec.label, page: cur[spec.key], model: out[spec.key] }));
  return { settings: out as unknown as TrainSettings, notes, replaced, kept };
}

const shown = (v: unknown) => (typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));

/** In words: which of the page's settings a model replaced, which the address kept; undefined when none. */
export function settingsNote(replaced: readonly SettingChange[], kept: readonly SettingChange[]): string | undefined {
  const parts: string[] = [];
  if (replaced.length > 0) parts.push(`The model's settings replaced the page's: ${replaced.map((c) => `${c.label} ${shown(c.page)} → ${shown(c.model)}`).join(', ')}.`);
  if (kept.length > 0) parts.push(`Kept from the page address: ${kept.map((c) => `${c.label} ${shown(c.page)} (the model's: ${shown(c.model)})`).join(', ')}.`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function kb(n: number): string {
  return `${Math.round(n / 1024)} KB`;
}

export function modelSlice(d: SliceDeps): ModelActions {
  const { get, client, buffers } = d;
  const setModel = (fields: Partial<ModelSlice>) => patch(d, 'model', fields);
  const pageHref = () => d.pageHref?.() ?? globalThis.location?.href ?? 'http://localhost/';

  /**
   * Runs one load: progress and messages in the slice; false (and `model.error`, or with `quiet`
   * a note in `model.info`) on failure. `address`: what the page address says once it loaded.
   */
  const attempt = async (
    label: string,
    load: (progress: (p: LoadProgress) => void) => Promise<{ modelJson: ModelJson; weightData: ArrayBuffer }>,
    origin: ModelOrigin,
    address: ModelAddress,
    opts: LoadOptions & { failure?: (e: unknown) => string } = {},
  ): Promise<boolean> => {
    const refuse = (error: string) => {
      if (opts.quiet) setModel({ info: error });
      else setModel({ error });
      return false;
    };
    if (get().model.loading) return refuse(`A model is already loading (${get().model.loading!.label}); wait for it first.`);
    if (get().training.phase !== 'idle') return refuse('Stop the training before loading a model (the current run would lose its weights).');
    setModel({ loading: { label, loaded: 0, total: 0 }, error: undefined, info: undefined });
    try {
      const { modelJson, weightData } = await load((p) => setModel({ loading: { label, ...p } }));
      await get().applyModel(modelJson, weightData, origin, opts);
      setModel({ address });
      return true;
    } catch (e) {
      // a quiet load a Train overtook is no failure to report: the user chose to train
      if (opts.quiet && get().training.phase !== 'idle') return false;
      return refuse(opts.failure ? opts.failure(e) : `Could not load the model: ${errorText(e)}`);
    } finally {
      setModel({ loading: undefined });
    }
  };

  return {
    openPage: async (href) => {
      const opening = openingModel(href);
      const keep = settingsFromQuery(new URL(href).searchParams).given;
      const checked = get().checkSavedRun();
      if (opening.kind === 'url' || opening.kind === 'fragment') {
        // a shared link's model wins over a saved run; the banner offers that run below it
        setModel({ linked: 'loading' });
        const ok = opening.kind === 'url' ? await get().loadModelFromUrl(opening.value, { keep }) : await get().loadModelFromFragment(opening.text, { keep });
        setModel({ linked: ok ? 'shown' : undefined });
      } else if (opening.kind === 'shipped') {
        await checked;
        if (get().autosave.offer === undefined && !get().training.hasWeights) await get().loadModelFromUrl(PRETRAINED_DEFAULT, { quiet: true });
      }
      await checked;
    },

    modelOnTrainEvent: (ev) => {
      if (ev.type === 'trainStart') setModel({ address: { fragment: false }, linked: undefined, trained: true });
    },

    modelDropped: () => setModel({ address: { weights: NO_WEIGHTS, fragment: false }, linked: undefined, trained: false, settingsChanges: undefined }),

    applyModel: async (modelJson, weightData, origin, opts = {}) => {
      await when(d, (s) => s.runtime.ready || s.runtime.error !== undefined);
      if (!get().runtime.ready) throw new ModelLoadError(`the compute backend did not start (${get().runtime.error ?? 'unknown error'})`);
      if (get().training.phase !== 'idle') throw new ModelLoadError('stop the training first');
      const { settings, notes, replaced, kept } = adoptSettings(modelJson, get().settings.values, opts.keep);
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
      setModel({
        origin,
        info: `Loaded ${origin.label} (${settings.preset} networks, seed ${settings.seed}; ${done}).`,
        workerTensors: reply.numTensors,
        share: { busy: false },
        settingsChanges: replaced.length > 0 || kept.length > 0 ? { replaced, kept } : undefined,
        trained: false,
        linked: get().model.linked === 'loading' ? 'loading' : undefined, // openPage marks the link's model once it is in
      });
      if (notes.length > 0) get().notify(notes.map((text) => ({ level: 'warning' as const, text: `Model: ${text}.` })));
      // Its maps of the selected pair at once (once the pairs being read are in).
      await when(d, (s) => s.dataset.loading === 0);
      const selected = get().dataset.selectedId;
      if (selected !== undefined) await get().showPair(selected);
      return reply;
    },

    loadModelFromUrl: (value, opts = {}) => {
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
        { weights: value.trim(), fragment: false },
        { ...opts, failure: name !== undefined ? missing : undefined },
      );
    },

    loadModelFromFragment: (text, opts = {}) =>
      attempt('the link', async () => decodeModelFragment(text), { kind: 'link', label: 'the link' }, { fragment: true }, opts),

    importModelFiles: (files) =>
      attempt(files.map((f) => f.path.split('/').pop()).join(' + '), () => readModelFiles(files), { kind: 'files', label: files.map((f) => f.path.split('/').pop()).join(' + ') }, { fragment: false }),

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
