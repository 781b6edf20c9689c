// The questions the intake asks before a pair is complete, and the user's answers: images with no
// partner (paired by hand), GT of a scale the names do not tell (the scale given), and pairs over
// the pixel limit (a downscale chosen, or skipped). Part of the dataset slice (./dataset.ts), which
// asks them while adding pairs and adds what an answer completes. A pair is never dropped for a
// question: it waits, and the user decides (store.test.ts: the GT scale asked and answered, lone
// images paired by hand, a pair above 4 megapixels downscaled by 2).
import { decodeGtFor, type IntakeFile, type IntakeNotice } from '../data/intake';
import { pairByHand, type PlannedPair, type Side } from '../data/pairing';
import type { SceneData } from './buffers';
import type { DatasetSlice } from './dataset';
import { errorText, type SliceDeps } from './slice';

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

/** A pair above the pixel limit (by its files' headers), not decoded yet, waiting for the user's choice. */
export interface LargeOffer {
  id: string;
  name: string;
  width: number;
  height: number;
}

export interface QuestionActions {
  /** Pairs a lone image with another lone image by hand. */
  pairLone: (left: string, right: string) => Promise<void>;
  dismissLone: (path: string) => void;
  answerGtScale: (pairId: string, scale: number) => Promise<void>;
  skipGt: (pairId: string) => void;
  /** Decodes and adds a large pair downscaled by `factor` (1 = at full size), or drops it. Never rejects. */
  resolveLarge: (offerId: string, choice: 1 | 2 | 4 | 'skip') => Promise<void>;
}

/** What the questions use of the dataset slice. */
export interface QuestionDeps {
  d: SliceDeps;
  ds: () => DatasetSlice;
  setDs: (fields: Partial<DatasetSlice>) => void;
  notify: (notices: IntakeNotice[]) => void;
  /** Runs an intake step with the loading count raised; a throw becomes a notice. */
  withLoading: (work: () => Promise<void>) => Promise<void>;
  /** Decodes and adds planned pairs (see ./dataset.ts); resolves to how many were added. */
  addPlanned: (pairs: PlannedPair[], byPath: ReadonlyMap<string, Blob>, gtScales?: (p: PlannedPair) => number | undefined, sample?: boolean, factor?: number) => Promise<number>;
  updateMeta: (id: string) => void;
  changed: () => void;
}

export interface Questions {
  /** Asks for the scale of `file`, the GT of an added pair (its file waits in the buffers meanwhile). */
  askGtScale: (scene: SceneData, file: IntakeFile) => void;
  /**
   * Offers a pair over the pixel limit, not decoded, keeping only its own files until the choice
   * (dataset.test.ts, "sizes from the headers, before any decode").
   */
  offerLarge: (id: string, pair: PlannedPair, byPath: ReadonlyMap<string, Blob>, size: { width: number; height: number }, gtScale: number | undefined, sample: boolean) => void;
  /** The answers: the slice's actions. */
  actions: QuestionActions;
}

export function datasetQuestions(q: QuestionDeps): Questions {
  const { d, ds, setDs, notify } = q;
  const { get, buffers } = d;
  /** Pairs over MAX_PIXELS waiting for a choice: the plan and its files, not decoded. */
  const largePending = new Map<string, { pair: PlannedPair; byPath: ReadonlyMap<string, Blob>; gtScale?: number; sample: boolean }>();

  return {
    askGtScale: (scene, file) => {
      buffers.pendingFiles.set(`gt:${scene.id}`, file);
      setDs({ gtQuestions: [...ds().gtQuestions, { pairId: scene.id, pairName: scene.name, file: file.path }] });
    },

    offerLarge: (id, pair, byPath, size, gtScale, sample) => {
      const own = new Map([pair.left, pair.right, pair.gt, pair.nonOcc, pair.calib].flatMap((p) => (p !== undefined && byPath.has(p) ? [[p, byPath.get(p)!] as const] : [])));
      largePending.set(id, { pair, byPath: own, gtScale, sample });
      setDs({ largeOffers: [...ds().largeOffers, { id, name: pair.name || pair.left, width: size.width, height: size.height }] });
    },

    actions: {
      pairLone: (left, right) =>
        q.withLoading(async () => {
          const l = buffers.pendingFiles.get(`lone:${left}`);
          const r = buffers.pendingFiles.get(`lone:${right}`);
          if (!l || !r || left === right) return;
          const added = await q.addPlanned([pairByHand(left, right)], new Map([[left, l.blob], [right, r.blob]]));
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
          setDs({ gtQuestions: ds().gtQuestions.filter((x) => x.pairId !== pairId) });
          q.updateMeta(pairId);
          q.changed();
          notify([{ level: 'info', text: `Pair "${scene.name}": GT ${file.path} attached with scale ${scale}.` }]);
        } catch (err) {
          notify([{ level: 'error', text: `Pair "${scene.name}": GT not attached: ${errorText(err)}` }]);
          // a GT of another size fits at no scale: the question goes (the refusal: intake.test.ts, "GT of the wrong size given after the scale question")
          if (/is \d+x\d+ but/.test(errorText(err))) get().skipGt(pairId);
        }
      },

      skipGt: (pairId) => {
        buffers.pendingFiles.delete(`gt:${pairId}`);
        setDs({ gtQuestions: ds().gtQuestions.filter((x) => x.pairId !== pairId) });
      },

      resolveLarge: (offerId, choice) =>
        q.withLoading(async () => {
          const pending = largePending.get(offerId);
          largePending.delete(offerId);
          setDs({ largeOffers: ds().largeOffers.filter((o) => o.id !== offerId) });
          if (!pending || choice === 'skip') return;
          await q.addPlanned([pending.pair], pending.byPath, () => pending.gtScale, pending.sample, choice);
        }),
    },
  };
}
