// The three stages as units with the same shape: construct (init), step, dispose. Each step
// takes a batch, takes one Adam step on its network, and returns its loss terms as numbers.
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../core/adam';
import { stageMakesLabels, type LrSchedule, type StageName, type TrainSettings } from '../../config/settings';
import { cloneSingleNet, cloneStereoNet } from '../../model/clone';
import type { SingleNet } from '../../model/singleNet';
import type { StereoNet } from '../../model/stereoNet';
import type { Batch, SceneTensors } from '../pipeline';
import type { DispT, MapT } from '../../core/types';
import { cropFusedLabel, distillLabels, fusedLabels, labelScale, SceneLabels } from './labels';
import { fuseLoss, singleLoss, stereoLoss, type LossParts } from './losses';

export interface StageUnit {
  readonly name: StageName;
  /** One-off work before the first step (the teachers' labels of these scenes), done when it resolves. */
  prepare?(scenes: SceneTensors[]): Promise<void>;
  /**
   * One step. `progress` in [0, 1]: the share of the stage's time budget used so far, which then
   * drives the schedules instead of the step count (TrainSettings.budgetSeconds).
   */
  step(batch: Batch, progress?: number): Promise<Record<string, number>>;
  /** The stage's optimiser (a checkpoint saves and restores its moments). */
  readonly optimizer: Adam;
  dispose(): void;
}

/** Share of a stage's steps spent warming the learning rate up, and the floor of the decay. */
const WARMUP_SHARE = 0.05;
const LR_FLOOR = 0.05;

/**
 * The learning rate at `step` (0-based) of a stage of `total` steps: linear warm-up, then a half
 * cosine from `base` down to LR_FLOOR * base ('cosine'); or `base` throughout ('constant').
 */
export function learningRateAt(schedule: LrSchedule, base: number, step: number, total: number): number {
  if (schedule === 'constant' || total <= 1) return base;
  const warm = Math.max(1, Math.round(WARMUP_SHARE * total));
  if (step < warm) return (base * (step + 1)) / warm;
  const t = Math.min(1, (step - warm) / Math.max(1, total - 1 - warm));
  return base * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/**
 * A time-budgeted stage's schedules run on this many virtual steps: progress p stands at step
 * floor(p * BUDGET_STEPS) of BUDGET_STEPS, so the warm-up and decay have the same shape over time as
 * over steps.
 */
export const BUDGET_STEPS = 1000;

/** Where the schedules stand: the step and the stage's length, real or (with `progress`) virtual. */
export function schedulePosition(step: number, total: number, progress?: number): { step: number; total: number } {
  if (progress === undefined) return { step, total };
  return { step: Math.min(BUDGET_STEPS - 1, Math.floor(Math.max(0, progress) * BUDGET_STEPS)), total: BUDGET_STEPS };
}

/** Adam whose learning rate follows the stage's schedule (tfjs reads it at every update). */
function scheduledAdam(schedule: LrSchedule, base: number, total: number): { opt: Adam; at: (step: number, progress?: number) => void } {
  const opt = new Adam(base);
  return {
    opt,
    at: (step, progress) => {
      const p = schedulePosition(step, total, progress);
      opt.learningRate = learningRateAt(schedule, base, p.step, p.total);
    },
  };
}

/**
 * Stage 1's occlusion tolerance at `step`: `start` when the mask starts (step `warmup`), shrinking
 * geometrically to `end` at the last step.
 */
export function toleranceAt(start: number, end: number, step: number, warmup: number, total: number): number {
  if (start === end || step >= total - 1) return end;
  const t = Math.min(1, Math.max(0, (step - warmup) / Math.max(1, total - 1 - warmup)));
  return start * (end / start) ** t;
}

/** One optimiser step on `vars` for the loss `f`; returns every loss term read back (await data, never dataSync). */
export async function optimise(opt: Adam, vars: tf.Variable[], f: () => LossParts): Promise<Record<string, number>> {
  let kept: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const r = f();
    kept = Object.fromEntries(Object.entries(r.parts).map(([k, t]) => [k, tf.keep(t)]));
    return r.total;
  }, vars);
  opt.applyGradients(grads);
  const names = ['total', ...Object.keys(kept)];
  const tensors = [value, ...Object.values(kept)];
  const values = await Promise.all(tensors.map(async (t) => (await t.data())[0]));
  tf.dispose([...tensors, ...Object.values(grads)]);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

/** Stage 1: StereoNet on the masked photometric loss of both views plus smoothness. */
export function stereoStage(stereo: StereoNet, s: TrainSettings, startStep = 0): StageUnit {
  const { opt, at } = scheduledAdam(s.lrSchedule, s.lrStereo, s.stepsStereo);
  const vars = stereo.params.list();
  let step = startStep; // a resumed run continues its schedules where it stood
  return {
    name: 'stereo',
    optimizer: opt,
    step: (b, progress) => {
      at(step, progress);
      const p = schedulePosition(step++, s.stepsStereo, progress);
      const warmup = Math.round(s.maskWarmup * p.total);
      const tolerance = toleranceAt(s.lrToleranceStart, s.lrTolerance, p.step, warmup, p.total);
      const visibility = p.step < warmup ? 'all' : 'lr';
      return optimise(opt, vars, () => stereoLoss(stereo, b.leftImg, b.rightImg, s.smoothWeight, visibility, tolerance, s.censusWeight));
    },
    dispose: () => opt.dispose(),
  };
}

/**
 * Stage 2: SingleNet distilled from a frozen copy of StereoNet (or photometric only, per
 * settings). The teacher's disparity and mask come from whole images (see labels.ts).
 */
export function distillStage(stereo: StereoNet, single: SingleNet, s: TrainSettings, startStep = 0): StageUnit {
  const { opt, at } = scheduledAdam(s.lrSchedule, s.lrSingle, s.stepsDistill);
  const vars = single.params.list();
  const frozen = cloneStereoNet(stereo);
  const labels = new SceneLabels((st) => distillLabels(frozen, st, s.lrTolerance, labelScale(st.scene, s)));
  let step = startStep; // a resumed run continues its schedules where it stood
  return {
    name: 'distill',
    optimizer: opt,
    ...(stageMakesLabels('distill', s) ? { prepare: (scenes: SceneTensors[]) => labels.prepare(scenes) } : {}),
    step: async (b, progress) => {
      at(step++, progress);
      let t: { dL: DispT; M: MapT } | null = null;
      if (s.distillMode !== 'photometric') {
        const [, h, w] = b.leftImg.shape;
        const cut = labels.cut(b.scenes, b.plan, h, w);
        t = { dL: cut.slice([0, 0, 0, 0], [-1, -1, -1, 1]), M: cut.slice([0, 0, 0, 1], [-1, -1, -1, 1]) };
        cut.dispose();
      }
      try {
        return await optimise(opt, vars, () => singleLoss(single, b.leftImg, b.rightImg, t, s.distillMode, s.smoothWeight, s.censusWeight));
      } finally {
        if (t) tf.dispose([t.dL, t.M]);
      }
    },
    dispose: () => {
      opt.dispose();
      labels.dispose();
      frozen.dispose();
    },
  };
}

/**
 * Stage 3: fused pseudo-label from frozen copies of both networks (the frozen StereoNet's answer
 * on the crop where both views of the crop see a pixel, whole-image labels elsewhere: see
 * labels.ts); StereoNet fine-tuned on it (StereoNet-D).
 */
export function fuseStage(stereo: StereoNet, single: SingleNet, s: TrainSettings, startStep = 0): StageUnit {
  const { opt, at } = scheduledAdam(s.lrSchedule, s.lrFuse, s.stepsFuse);
  const vars = stereo.params.list();
  const frozenStereo = cloneStereoNet(stereo);
  const frozenSingle = cloneSingleNet(single);
  const labels = new SceneLabels((st) => fusedLabels(frozenStereo, frozenSingle, st, s.lrTolerance, labelScale(st.scene, s)));
  let step = startStep; // a resumed run continues its schedules where it stood
  return {
    name: 'fuse',
    optimizer: opt,
    prepare: (scenes) => labels.prepare(scenes),
    step: async (b, progress) => {
      at(step++, progress);
      const [, h, w] = b.leftImg.shape;
      const whole = labels.cut(b.scenes, b.plan, h, w) as DispT;
      const dFused = cropFusedLabel(frozenStereo, b.leftImg, b.rightImg, whole, s.lrTolerance);
      whole.dispose();
      try {
        return await optimise(opt, vars, () => fuseLoss(stereo, b.leftImg, b.rightImg, dFused, s.fusePhotoWeight, s.smoothWeight, s.lrTolerance, s.censusWeight));
      } finally {
        dFused.dispose();
      }
    },
    dispose: () => {
      opt.dispose();
      labels.dispose();
      frozenStereo.dispose();
      frozenSingle.dispose();
    },
  };
}
