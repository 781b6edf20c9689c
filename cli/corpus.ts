// Training on a corpus folder (issue 22): many pairs, read once into 8-bit arrays (./corpusLoad.ts),
// per-step crops cut on the CPU (src/train/corpus.ts), the three stages with the app's losses, and
// checkpoints that a later run continues from exactly (./corpusCheckpoint.ts: weights, Adam moments,
// step; the crops of a step depend on the seed and the step alone).
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { StageName, TrainSettings } from '../src/config/settings';
import { Adam } from '../src/core/adam';
import { alignSingle, fuseDisparity } from '../src/core/fusion';
import { visibilityMask } from '../src/core/occlusion';
import type { DispT, ImageT, MapT } from '../src/core/types';
import { cloneSingleNet, cloneStereoNet } from '../src/model/clone';
import type { Params } from '../src/model/layers';
import type { SingleNet } from '../src/model/singleNet';
import type { StereoNet } from '../src/model/stereoNet';
import { cutCorpusBatch, planCorpusBatch, type CorpusCropSettings, type CorpusPair } from '../src/train/corpus';
import { learningRateAt, optimise, toleranceAt } from '../src/train/stages/units';
import { cropFusedLabel } from '../src/train/stages/labels';
import { fuseLoss, singleLoss, stereoBothViews, stereoLoss } from '../src/train/stages/losses';
import { loadRunState, nameMaps, saveRunState } from './corpusCheckpoint';
import { corpusBytes, loadCorpus } from './corpusLoad';

/**
 * The context a teacher sees to the left of a stage-2/3 crop, in pixels: as wide as the largest
 * disparity, so the crop's left strip has its match inside the teacher's view and is labelled (a
 * teacher run on the crop alone marks that strip out of view; labels.ts explains why SingleNet then
 * never learns its input's left edge).
 */
export function contextWidth(maxDisp: number): number {
  return Math.ceil(maxDisp / 32) * 32;
}

/** One corpus step's batch: the crops, and for stages 2 and 3 the wider context they sit in (crop = its right part). */
export function corpusBatch(pairs: readonly CorpusPair[], s: TrainSettings, maxDisp: number, step: number, context: number): { left: ImageT; right: ImageT; ctxLeft?: ImageT; ctxRight?: ImageT } {
  const crop: CorpusCropSettings = { width: s.width + context, height: s.height, batch: s.batch, jitter: s.jitter, flip: s.flip, seed: s.seed };
  const plan = planCorpusBatch(pairs, crop, maxDisp, step);
  const cut = cutCorpusBatch(pairs, plan, crop.width, crop.height);
  const shape: [number, number, number, number] = [s.batch, s.height, crop.width, 3];
  const l = tf.tensor4d(cut.left, shape) as ImageT;
  const r = tf.tensor4d(cut.right, shape) as ImageT;
  if (context === 0) return { left: l, right: r };
  return { ctxLeft: l, ctxRight: r, left: l.slice([0, 0, context, 0], [-1, -1, s.width, -1]), right: r.slice([0, 0, context, 0], [-1, -1, s.width, -1]) };
}

/** A stage of corpus training: one step from a batch, and its optimiser. */
interface CorpusUnit {
  context: number;
  opt: Adam;
  vars: Params;
  step(b: ReturnType<typeof corpusBatch>, step: number): Promise<Record<string, number>>;
  dispose(): void;
}

function scheduled(opt: Adam, s: TrainSettings, base: number, step: number, total: number): void {
  opt.learningRate = learningRateAt(s.lrSchedule, base, step, total);
}

export function corpusUnit(stage: StageName, stereo: StereoNet, single: SingleNet, s: TrainSettings, total: number): CorpusUnit {
  const maxDisp = stereo.config.maxDisp;
  if (stage === 'stereo') {
    const opt = new Adam(s.lrStereo);
    const warmup = Math.round(s.maskWarmup * total);
    const vars = stereo.params.list();
    return {
      context: 0,
      opt,
      vars: stereo.params,
      step: (b, step) => {
        scheduled(opt, s, s.lrStereo, step, total);
        const tol = toleranceAt(s.lrToleranceStart, s.lrTolerance, step, warmup, total);
        return optimise(opt, vars, () => stereoLoss(stereo, b.left, b.right, s.smoothWeight, step < warmup ? 'all' : 'lr', tol, s.censusWeight));
      },
      dispose: () => opt.dispose(),
    };
  }
  const context = contextWidth(maxDisp);
  const frozen = cloneStereoNet(stereo);
  /** The frozen StereoNet on the context: its left disparity and visibility, cut to the crop. */
  const teacher = (b: ReturnType<typeof corpusBatch>) => tf.tidy(() => {
    const { dL, dR } = stereoBothViews(frozen, b.ctxLeft!, b.ctxRight!);
    const m = visibilityMask(dL[0], dR[0], 1, 'left', s.lrTolerance);
    const cut = (t: tf.Tensor4D) => t.slice([0, 0, context, 0], [-1, -1, s.width, -1]);
    return { d: cut(dL[0]) as DispT, m: cut(m) as MapT, dCtx: dL[0], mCtx: m };
  });
  if (stage === 'distill') {
    const opt = new Adam(s.lrSingle);
    const vars = single.params.list();
    return {
      context,
      opt,
      vars: single.params,
      step: async (b, step) => {
        scheduled(opt, s, s.lrSingle, step, total);
        const t = teacher(b);
        try {
          return await optimise(opt, vars, () => singleLoss(single, b.left, b.right, { dL: t.d, M: t.m }, s.distillMode === 'photometric' ? 'occlusion' : s.distillMode, s.smoothWeight, s.censusWeight));
        } finally {
          tf.dispose([t.d, t.m, t.dCtx, t.mCtx]);
        }
      },
      dispose: () => {
        opt.dispose();
        frozen.dispose();
      },
    };
  }
  const frozenSingle = cloneSingleNet(single);
  const opt = new Adam(s.lrFuse);
  const vars = stereo.params.list();
  return {
    context,
    opt,
    vars: stereo.params,
    step: async (b, step) => {
      scheduled(opt, s, s.lrFuse, step, total);
      const label = tf.tidy(() => {
        const t = teacher(b);
        const fused = fuseDisparity(t.dCtx, alignSingle(frozenSingle.forward(b.ctxLeft!)[0], t.dCtx, t.mCtx), t.mCtx);
        const whole = fused.slice([0, 0, context, 0], [-1, -1, s.width, -1]) as DispT;
        return cropFusedLabel(frozen, b.left, b.right, whole, s.lrTolerance);
      });
      try {
        return await optimise(opt, vars, () => fuseLoss(stereo, b.left, b.right, label, s.fusePhotoWeight, s.smoothWeight, s.lrTolerance, s.censusWeight));
      } finally {
        label.dispose();
      }
    },
    dispose: () => {
      opt.dispose();
      frozen.dispose();
      frozenSingle.dispose();
    },
  };
}

/** Pairs of the corpus held out of training to choose settings on (all have GT; none is one of the six validation scenes). */
export const CORPUS_VAL = ['indoor-mb2006-aloe', 'indoor-mb2006-bowling2', 'indoor-mb2005-books', 'indoor-mb2001-bull', 'driving-kitti2015-training_000001_10', 'synthetic-flyingthings3d-test_a_0000_0006'];

export interface CorpusRunOptions {
  dir: string;
  stages: StageName[];
  settings: TrainSettings;
  stereo: StereoNet;
  single: SingleNet;
  out?: string;
  /** Continue from `<out>/checkpoint` when it holds a run state of these stages. */
  resume: boolean;
  /** Seconds between checkpoints. */
  checkpointEvery: number;
  /** Steps between evaluations on the held-out pairs (0: none). */
  evalEvery: number;
  exclude: readonly string[];
  /** Called with the current networks and what they finished, to write model.json + weights. */
  saveModel: (dir: string, completed: StageName[], progress?: { stage: StageName; step: number }) => Promise<void>;
  evaluate?: (stage: StageName, step: number) => Promise<Record<string, number>>;
  completed: StageName[];
  shouldStop: () => boolean;
}

const STAGE_DIR: Record<StageName, string> = { stereo: 'after-stereo', distill: 'after-distill', fuse: 'final' };

/** Trains the ticked stages on a corpus folder; returns the training log. */
export async function trainCorpus(o: CorpusRunOptions): Promise<{ steps: { stage: StageName; step: number; losses: Record<string, number>; ms: number }[]; evals: { stage: StageName; step: number; metrics: Record<string, number> }[] }> {
  const s = o.settings;
  const t0 = Date.now();
  const { pairs, skipped } = await loadCorpus(o.dir, { exclude: o.exclude });
  const mb = corpusBytes(pairs) / 2 ** 20;
  const domains = [...new Set(pairs.map((p) => p.domain))].sort().map((d) => `${d} ${pairs.filter((p) => p.domain === d).length}`);
  console.log(`corpus ${o.dir}: ${pairs.length} pairs (${domains.join(', ')}; ${skipped.length} skipped, ${o.exclude.length} held out), ${mb.toFixed(0)} MB as 8-bit, read in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const ckptDir = o.out ? join(o.out, 'checkpoint') : undefined;
  const saved = o.resume && ckptDir ? await loadRunState(ckptDir) : undefined;
  const log: Awaited<ReturnType<typeof trainCorpus>> = { steps: [], evals: [] };
  let peakRss = 0;
  for (const stage of o.stages) {
    if (o.shouldStop()) break;
    const total = stage === 'stereo' ? s.stepsStereo : stage === 'distill' ? s.stepsDistill : s.stepsFuse;
    if (saved && o.completed.includes(stage) && saved.state.stage !== stage) continue;
    const unit = corpusUnit(stage, o.stereo, o.single, s, total);
    let step = 0;
    if (saved && saved.state.stage === stage) {
      if (saved.state.steps !== total) throw new Error(`the checkpoint's ${stage} stage has ${saved.state.steps} steps, this run ${total}: give the same step count to continue it`);
      step = saved.state.step;
      const names = nameMaps(unit.vars);
      unit.opt.importState(saved.adam, names.variable);
      console.log(`resuming ${stage} at step ${step} of ${total} from ${ckptDir}`);
    }
    const names = nameMaps(unit.vars);
    const checkpoint = async () => {
      if (!ckptDir) return;
      await o.saveModel(ckptDir, o.completed, { stage, step });
      await saveRunState(ckptDir, { stage, step, steps: total, settings: s }, await unit.opt.exportState(names.logical));
    };
    let lastCkpt = Date.now();
    let stageStart = Date.now();
    const stepsAtStart = step;
    try {
      if (o.evaluate && o.evalEvery > 0 && step === 0) log.evals.push({ stage, step, metrics: await o.evaluate(stage, step) });
      while (step < total && !o.shouldStop()) {
        const ts = performance.now();
        const b = corpusBatch(pairs, s, o.stereo.config.maxDisp, step, unit.context);
        let losses: Record<string, number>;
        try {
          losses = await unit.step(b, step);
        } finally {
          tf.dispose([b.left, b.right, ...(b.ctxLeft ? [b.ctxLeft, b.ctxRight!] : [])]);
        }
        step += 1;
        const ms = performance.now() - ts;
        log.steps.push({ stage, step, losses, ms });
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        if (step % 25 === 0 || step === total) {
          const rate = (step - stepsAtStart) / ((Date.now() - stageStart) / 1000);
          const parts = Object.entries(losses).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(' ');
          console.log(`${stage} ${step}/${total} ${rate.toFixed(2)} it/s ETA ${((total - step) / rate / 60).toFixed(1)} min; ${parts}; rss ${(peakRss / 2 ** 20).toFixed(0)} MB, tf ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MB`);
        }
        if (o.evaluate && o.evalEvery > 0 && step % o.evalEvery === 0) {
          const metrics = await o.evaluate(stage, step);
          log.evals.push({ stage, step, metrics });
          console.log(`eval ${stage} ${step}: ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' ')}`);
        }
        if (Date.now() - lastCkpt > o.checkpointEvery * 1000) {
          await checkpoint();
          lastCkpt = Date.now();
        }
      }
      if (step >= total) {
        if (!o.completed.includes(stage)) o.completed.push(stage);
        if (o.out) await o.saveModel(join(o.out, STAGE_DIR[stage]), o.completed);
      }
      await checkpoint();
      console.log(`${stage}: ${step} of ${total} steps; peak memory (rss) ${(peakRss / 2 ** 20).toFixed(0)} MB`);
    } finally {
      unit.dispose();
    }
    stageStart = Date.now();
  }
  return log;
}
