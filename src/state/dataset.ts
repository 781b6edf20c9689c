// The dataset slice: stereo pairs added from files, folders, zips or the bundled samples (fetched
// by ./samples.ts), and the messages. The questions the intake asks (lone images, unknown GT scale,
// very large images) and their answers are in ./datasetQuestions.ts.
// Decoded images live in the buffers; the slice holds only their descriptions.
import { parsePath } from '../data/fileRoles';
import { loadPair, type IntakeFile, type IntakeNotice, type LoadedScene } from '../data/intake';
import { planPairs, separateCopies, type PairingPlan, type PlannedPair, type SeparatedCopies } from '../data/pairing';
import { notImageNotice, screenFiles } from '../data/screen';
import type { StereoCalib } from '../data/calib';
import type { SceneData } from './buffers';
import { datasetQuestions, type GtQuestion, type LargeOffer, type LoneImage, type QuestionActions } from './datasetQuestions';
import { fetchSamples } from './samples';
import { errorText, patch, type SliceDeps } from './slice';

export type { GtQuestion, LargeOffer, LoneImage } from './datasetQuestions';

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
  /** Disparity bound from calib.txt, in pixels of the pair as loaded. */
  ndisp?: number;
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
  /** The first pair of the latest intake, which the list scrolls to (`seq` counts intakes). */
  lastAdded?: { id: string; seq: number };
  /** Bumped whenever the pairs change (the worker gets them again). */
  version: number;
}

export interface DatasetActions extends QuestionActions {
  /** Adds files (and the contents of zips); never rejects: problems become notices. */
  addFiles: (files: IntakeFile[]) => Promise<void>;
  /** Loads the bundled sample scenes listed in `<baseUrl>samples/index.json`. */
  loadSamples: (baseUrl: string, fetcher?: typeof fetch) => Promise<void>;
  selectPair: (id: string) => void;
  removePair: (id: string) => void;
  /** Swaps the two views of a pair (a pair matched the wrong way round). GT is dropped: it was the left view's. */
  swapPair: (id: string) => void;
  /** Replaces every pair with these (a resumed autosave), selecting the one named `selectedName`. */
  restorePairs: (scenes: (LoadedScene & { sample?: boolean })[], selectedName?: string) => void;
  notify: (notices: IntakeNotice[]) => void;
  dismissNotice: (id: number) => void;
  clearNotices: () => void;
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

  let intakes = 0;

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
    ...(s.calib ? { calib: s.calib } : {}),
    ...(s.ndisp !== undefined ? { ndisp: s.ndisp } : {}),
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

  /** "motorcycle, 741x497, with GT": what the confirmation says of an added pair. */
  const describeAdded = (scene: SceneData, gtAsked: boolean): string => {
    const size = `${scene.width}x${scene.height}${scene.factor > 1 ? ` (downscaled ×${scene.factor} from ${scene.fileWidth}x${scene.fileHeight})` : ''}`;
    const gt = scene.gtDisp ? 'with GT' : gtAsked ? 'GT scale asked below' : 'no GT';
    const calib = scene.calib ? `, calibration from ${scene.files.calib}${scene.ndisp !== undefined ? ` (ndisp ${scene.ndisp})` : ''}` : '';
    return `${scene.name}, ${size}, ${gt}${calib}`;
  };

  /**
   * Decodes and adds planned pairs (`sample`: the bundled scenes; `factor`: a downscale the user
   * chose); returns how many were added. The user's pairs are confirmed in one message, and the
   * first of them is selected and scrolled to: a pair added below the fold must not go unseen.
   */
  const addPlanned = async (
    pairs: PlannedPair[],
    byPath: ReadonlyMap<string, Blob>,
    gtScales?: (p: PlannedPair) => number | undefined,
    sample = false,
    factor?: number,
  ): Promise<number> => {
    const added: { scene: SceneData; gtAsked: boolean }[] = [];
    for (const pair of pairs) {
      const gtScale = gtScales?.(pair);
      const r = await loadPair(pair, byPath, d.decoders, { gtScale, factor });
      notify(r.notices);
      if (!r.ok && r.ask) {
        questions.offerLarge(`large${nextPair++}`, pair, byPath, r.ask, gtScale, sample);
        continue;
      }
      if (!r.ok) continue;
      const data = addScene({ ...r.scene, sample });
      added.push({ scene: data, gtAsked: r.gtNeedsScale !== undefined });
      if (r.gtNeedsScale) questions.askGtScale(data, r.gtNeedsScale);
    }
    if (added.length === 0) return 0;
    if (sample) {
      changed();
      return added.length;
    }
    const texts = added.map((a) => describeAdded(a.scene, a.gtAsked));
    notify([{ level: 'info', text: added.length === 1 ? `Added ${texts[0]}.` : `Added ${added.length} pairs: ${texts.join('; ')}.` }]);
    setDs({ lastAdded: { id: added[0].scene.id, seq: ++intakes } });
    // The worker answers in order, and each answer replaces the training note. During a run the
    // preview pair is named first (the worker takes it up when its scenes arrive), so the note left
    // is the answer to the new scenes: "the new pairs join the training from the next step". Idle,
    // the scenes go first: the predict of the selected pair needs them.
    if (get().training.phase !== 'idle') {
      get().selectPair(added[0].scene.id);
      changed();
    } else {
      changed();
      get().selectPair(added[0].scene.id);
    }
    return added.length;
  };

  /** Says how files given under one name were grouped (separateCopies) and what was paired. */
  const copiesNotice = (sep: SeparatedCopies, plan: PairingPlan): IntakeNotice => {
    const names = sep.repeated.map((r) => `${r.path} ×${r.count}`).join(', ');
    const paired = plan.pairs.map((p) => `${p.name || p.dir}: ${p.left} + ${p.right}${p.gt ? ` (GT ${p.gt})` : ''}`).join('; ');
    return {
      level: 'info',
      text:
        `Files with the same name were given without their folders (${names}), as a file picker gives files of several folders. ` +
        `The n-th file of each name was put in group n, in the order given, and pairs were matched within each group: ${paired || 'none'}. ` +
        'If that is not how they belong together, use Add a folder or drop the folders: folder names keep scenes apart.',
    };
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

  const questions = datasetQuestions({ d, ds, setDs, notify, withLoading, addPlanned, updateMeta, changed });

  return {
    notify,
    ...questions.actions,

    addFiles: (files) =>
      withLoading(async () => {
        const screened = await screenFiles(files.map((f) => ({ path: parsePath(f.path).path, blob: f.blob })));
        notify(screened.notices);
        // Files given twice under one path (a picker gives names only) are kept apart, never merged.
        const sep = separateCopies(screened.files.map((f) => f.path));
        screened.files = screened.files.map((f, i) => ({ path: sep.paths[i], blob: f.blob }));
        const plan = planPairs(screened.files.map((f) => f.path));
        if (sep.repeated.length > 0) notify([copiesNotice(sep, plan)]);
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
          const samples = await fetchSamples(baseUrl, fetcher);
          await addPlanned(samples.pairs, samples.byPath, samples.gtScale, true);
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
