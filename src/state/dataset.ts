// The dataset slice: stereo pairs added from files, folders, zips or the bundled samples; the
// questions the intake asks (lone images, unknown GT scale, very large images); the messages.
// Decoded images live in the buffers; the slice holds only their descriptions.
import { decodeGtFor, loadPair, notImageNotice, screenFiles, downscaleScene, type IntakeFile, type IntakeNotice, type LoadedScene } from '../data/intake';
import { pairByHand, parsePath, planPairs, type PlannedPair, type Side } from '../data/pairing';
import type { StereoCalib } from '../data/calib';
import type { SceneData } from './buffers';
import { errorText, patch, type SliceDeps } from './slice';

export interface Notice extends IntakeNotice {
  id: number;
}

/** What the UI shows of a pair. */
export interface PairMeta {
  id: string;
  name: string;
  width: number;
  height: number;
  hasGt: boolean;
  hasMask: boolean;
  /** Downscale factor applied to the files (1 = none). */
  factor: number;
  files: LoadedScene['files'];
  /** One of the bundled sample scenes (the others are the user's own: Adapt trains on those only). */
  sample: boolean;
  /** Camera calibration when known (a Middlebury calib.txt beside the pair, or entered): makes depth in metres exportable. */
  calib?: StereoCalib;
}

export interface LoneImage {
  path: string;
  side?: Side;
}

/** A pair whose GT is a PNG / PGM of unknown scale. */
export interface GtQuestion {
  pairId: string;
  pairName: string;
  file: string;
}

/** A pair above the pixel limit, decoded and waiting for the user's choice. */
export interface LargeOffer {
  id: string;
  name: string;
  width: number;
  height: number;
}

export interface DatasetSlice {
  pairs: PairMeta[];
  selectedId?: string;
  notices: Notice[];
  lone: LoneImage[];
  gtQuestions: GtQuestion[];
  largeOffers: LargeOffer[];
  /** File intakes in progress. */
  loading: number;
  /** Bumped whenever the pairs change (the worker gets them again). */
  version: number;
}

export interface DatasetActions {
  /** Adds files (and the contents of zips); never rejects: problems become notices. */
  addFiles: (files: IntakeFile[]) => Promise<void>;
  /** Loads the bundled sample scenes listed in `<baseUrl>samples/index.json`. */
  loadSamples: (baseUrl: string, fetcher?: typeof fetch) => Promise<void>;
  selectPair: (id: string) => void;
  removePair: (id: string) => void;
  /** Swaps the two views of a pair (a pair matched the wrong way round). GT is dropped: it was the left view's. */
  swapPair: (id: string) => void;
  /** Pairs a lone image with another lone image by hand. */
  pairLone: (left: string, right: string) => Promise<void>;
  dismissLone: (path: string) => void;
  answerGtScale: (pairId: string, scale: number) => Promise<void>;
  skipGt: (pairId: string) => void;
  /** Adds a large pair downscaled by `factor` (1 = at full size), or drops it. */
  resolveLarge: (offerId: string, choice: 1 | 2 | 4 | 'skip') => void;
  /** Replaces every pair with these (a resumed autosave), selecting the one named `selectedName`. */
  restorePairs: (scenes: (LoadedScene & { sample?: boolean })[], selectedName?: string) => void;
  notify: (notices: IntakeNotice[]) => void;
  dismissNotice: (id: number) => void;
  clearNotices: () => void;
}

interface SampleIndex {
  scenes: { name: string; left: string; right: string; gt?: string; gtScale?: number; nonOcc?: string }[];
}

export function initialDataset(): DatasetSlice {
  return { pairs: [], notices: [], lone: [], gtQuestions: [], largeOffers: [], loading: 0, version: 0 };
}

export function datasetSlice(d: SliceDeps): DatasetActions {
  const { get, buffers } = d;
  let nextNotice = 1;
  let nextPair = 1;
  let unnamed = 1;
  const ds = () => get().dataset;
  const setDs = (fields: Partial<DatasetSlice>) => patch(d, 'dataset', fields);

  const notify = (notices: IntakeNotice[]) => {
    if (notices.length === 0) return;
    setDs({ notices: [...notices.map((n) => ({ ...n, id: nextNotice++ })).reverse(), ...ds().notices] });
  };

  const uniqueName = (name: string): string => {
    const base = name || `pair ${unnamed++}`;
    const taken = new Set(ds().pairs.map((p) => p.name));
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base} (${i})`)) return `${base} (${i})`;
  };

  const metaOf = (s: SceneData): PairMeta => ({
    id: s.id,
    name: s.name,
    width: s.width,
    height: s.height,
    hasGt: s.gtDisp !== undefined,
    hasMask: s.nonOccMask !== undefined,
    factor: s.factor,
    files: s.files,
    sample: s.sample === true,
  });

  const changed = () => {
    buffers.bump();
    setDs({ version: ds().version + 1 });
    void get().syncScenes();
  };

  const addScene = (scene: LoadedScene & { sample?: boolean }): SceneData => {
    const data: SceneData = { ...scene, name: uniqueName(scene.name), id: `p${nextPair++}`, ...(scene.sample ? { sample: true } : {}) };
    buffers.scenes.set(data.id, data);
    setDs({ pairs: [...ds().pairs, metaOf(data)], selectedId: ds().selectedId ?? data.id });
    return data;
  };

  const updateMeta = (id: string) => {
    const s = buffers.scenes.get(id);
    if (s) setDs({ pairs: ds().pairs.map((p) => (p.id === id ? metaOf(s) : p)) });
  };

  /** Decodes and adds planned pairs (`sample`: the bundled scenes); returns how many were added. */
  const addPlanned = async (pairs: PlannedPair[], byPath: ReadonlyMap<string, Blob>, gtScales?: (p: PlannedPair) => number | undefined, sample = false): Promise<number> => {
    let added = 0;
    for (const pair of pairs) {
      const r = await loadPair(pair, byPath, d.decoders, gtScales?.(pair));
      notify(r.notices);
      if (!r.ok) continue;
      if (r.tooLarge) {
        const id = `large${nextPair++}`;
        buffers.largeScenes.set(id, r.scene);
        setDs({ largeOffers: [...ds().largeOffers, { id, name: r.scene.name || pair.left, width: r.scene.width, height: r.scene.height }] });
        if (r.gtNeedsScale) buffers.pendingFiles.set(`gt:${id}`, r.gtNeedsScale);
        continue;
      }
      const data = addScene({ ...r.scene, sample });
      added++;
      if (r.gtNeedsScale) askGtScale(data, r.gtNeedsScale);
    }
    if (added > 0) changed();
    return added;
  };

  const askGtScale = (scene: SceneData, file: IntakeFile) => {
    buffers.pendingFiles.set(`gt:${scene.id}`, file);
    setDs({ gtQuestions: [...ds().gtQuestions, { pairId: scene.id, pairName: scene.name, file: file.path }] });
  };

  const withLoading = async (work: () => Promise<void>) => {
    setDs({ loading: ds().loading + 1 });
    try {
      await work();
    } catch (err) {
      notify([{ level: 'error', text: `Could not read the files: ${errorText(err)}` }]);
    } finally {
      setDs({ loading: ds().loading - 1 });
    }
  };

  /** Fetches and adds the scenes listed in `<baseUrl>samples/index.json` (GT scales from the index). */
  const loadSampleScenes = async (baseUrl: string, fetcher: typeof fetch) => {
    const get1 = async (path: string): Promise<Blob> => {
      const res = await fetcher(`${baseUrl}samples/${path}`);
      if (!res.ok) throw new Error(`samples/${path}: HTTP ${res.status}`);
      return res.blob();
    };
    const res = await fetcher(`${baseUrl}samples/index.json`);
    if (!res.ok) throw new Error(`samples/index.json: HTTP ${res.status}`);
    const index = (await res.json()) as SampleIndex;
    const byPath = new Map<string, Blob>();
    const pairs: PlannedPair[] = [];
    const scales = new Map<PlannedPair, number | undefined>();
    for (const s of index.scenes) {
      const paths = [s.left, s.right, s.gt, s.nonOcc].filter((p): p is string => p !== undefined);
      for (const p of paths) byPath.set(p, await get1(p));
      const pair: PlannedPair = { name: s.name, dir: s.name, left: s.left, right: s.right, gt: s.gt, nonOcc: s.nonOcc, scheme: 'left/right' };
      pairs.push(pair);
      scales.set(pair, s.gtScale);
    }
    await addPlanned(pairs, byPath, (p) => scales.get(p), true);
  };

  return {
    notify,

    addFiles: (files) =>
      withLoading(async () => {
        const screened = await screenFiles(files.map((f) => ({ path: parsePath(f.path).path, blob: f.blob })));
        notify(screened.notices);
        const plan = planPairs(screened.files.map((f) => f.path));
        notify(plan.notImages.map(notImageNotice));
        if (plan.unused.length > 0) {
          notify([{ level: 'info', text: `Not used: ${plan.unused.join(', ')} (right-view ground truth, other masks, or no pair to attach to).` }]);
        }
        const byPath = new Map(screened.files.map((f) => [parsePath(f.path).path, f.blob]));
        for (const lone of plan.lone) {
          buffers.pendingFiles.set(`lone:${lone.path}`, { path: lone.path, blob: byPath.get(lone.path)! });
        }
        if (plan.lone.length > 0) {
          setDs({ lone: [...ds().lone.filter((l) => !plan.lone.some((n) => n.path === l.path)), ...plan.lone] });
          notify(plan.lone.map((l) => ({ level: 'warning' as const, text: `${l.path}: no partner image found. Choose its partner under "Images with no partner", or remove it.` })));
        }
        await addPlanned(plan.pairs, byPath);
        if (screened.files.length === 0 && screened.notices.length === 0) notify([{ level: 'warning', text: 'No files were given.' }]);
      }),

    loadSamples: (baseUrl, fetcher = fetch) =>
      withLoading(async () => {
        try {
          await loadSampleScenes(baseUrl, fetcher);
        } catch (err) {
          notify([{ level: 'error', text: `Could not load the sample scenes: ${errorText(err)}. Add your own pairs instead.` }]);
        }
      }),

    selectPair: (id) => {
      if (!buffers.scenes.has(id)) return;
      setDs({ selectedId: id });
      void get().showPair(id);
    },

    removePair: (id) => {
      if (!buffers.scenes.delete(id)) return;
      buffers.previews.delete(id);
      buffers.pendingFiles.delete(`gt:${id}`);
      const pairs = ds().pairs.filter((p) => p.id !== id);
      const selectedId = ds().selectedId === id ? pairs[0]?.id : ds().selectedId;
      setDs({ pairs, selectedId, gtQuestions: ds().gtQuestions.filter((q) => q.pairId !== id) });
      changed();
      if (selectedId !== undefined && selectedId !== id) void get().showPair(selectedId);
    },

    swapPair: (id) => {
      const s = buffers.scenes.get(id);
      if (!s) return;
      const swapped: SceneData = { ...s, leftImg: s.rightImg, rightImg: s.leftImg, gtDisp: undefined, nonOccMask: undefined, files: { left: s.files.right, right: s.files.left } };
      buffers.scenes.set(id, swapped);
      buffers.previews.delete(id);
      if (s.gtDisp) notify([{ level: 'info', text: `Pair "${s.name}": views swapped; its GT and mask were for the old left view and are no longer used.` }]);
      updateMeta(id);
      changed();
    },

    pairLone: (left, right) =>
      withLoading(async () => {
        const l = buffers.pendingFiles.get(`lone:${left}`);
        const r = buffers.pendingFiles.get(`lone:${right}`);
        if (!l || !r || left === right) return;
        const added = await addPlanned([pairByHand(left, right)], new Map([[left, l.blob], [right, r.blob]]));
        if (added === 0) return; // the notice says why; the images stay for another try
        for (const p of [left, right]) buffers.pendingFiles.delete(`lone:${p}`);
        setDs({ lone: ds().lone.filter((x) => x.path !== left && x.path !== right) });
      }),

    dismissLone: (path) => {
      buffers.pendingFiles.delete(`lone:${path}`);
      setDs({ lone: ds().lone.filter((x) => x.path !== path) });
    },

    answerGtScale: async (pairId, scale) => {
      const scene = buffers.scenes.get(pairId);
      const file = buffers.pendingFiles.get(`gt:${pairId}`);
      if (!scene || !file) return;
      try {
        const gtDisp = await decodeGtFor(scene, file, scale);
        buffers.scenes.set(pairId, { ...scene, gtDisp, files: { ...scene.files, gt: file.path } });
        buffers.pendingFiles.delete(`gt:${pairId}`);
        setDs({ gtQuestions: ds().gtQuestions.filter((q) => q.pairId !== pairId) });
        updateMeta(pairId);
        changed();
        notify([{ level: 'info', text: `Pair "${scene.name}": GT ${file.path} attached with scale ${scale}.` }]);
      } catch (err) {
        notify([{ level: 'error', text: `Pair "${scene.name}": GT not attached: ${errorText(err)}` }]);
        if (/is \d+x\d+ but/.test(errorText(err))) get().skipGt(pairId);
      }
    },

    skipGt: (pairId) => {
      buffers.pendingFiles.delete(`gt:${pairId}`);
      setDs({ gtQuestions: ds().gtQuestions.filter((q) => q.pairId !== pairId) });
    },

    resolveLarge: (offerId, choice) => {
      const scene = buffers.largeScenes.get(offerId);
      const gtFile = buffers.pendingFiles.get(`gt:${offerId}`);
      buffers.largeScenes.delete(offerId);
      buffers.pendingFiles.delete(`gt:${offerId}`);
      setDs({ largeOffers: ds().largeOffers.filter((o) => o.id !== offerId) });
      if (!scene || choice === 'skip') return;
      const data = addScene(downscaleScene(scene, choice));
      if (gtFile) askGtScale(data, gtFile);
      changed();
    },

    restorePairs: (scenes, selectedName) => {
      buffers.scenes.clear();
      buffers.previews.clear();
      for (const key of [...buffers.pendingFiles.keys()]) if (key.startsWith('gt:')) buffers.pendingFiles.delete(key);
      setDs({ pairs: [], selectedId: undefined, gtQuestions: [] });
      const added = scenes.map(addScene);
      const selected = added.find((s) => s.name === selectedName) ?? added[0];
      setDs({ selectedId: selected?.id });
      changed();
    },

    dismissNotice: (id) => setDs({ notices: ds().notices.filter((n) => n.id !== id) }),
    clearNotices: () => setDs({ notices: [] }),
  };
}
