// Plain data the training runner takes and gives: typed arrays and numbers only, so the same
// objects travel through postMessage (buffers transferable) and are used by the CLI.
import type { DispMetrics } from '../core/metrics';
import type { StageName, TrainSettings } from '../config/settings';

/** One rectified stereo pair as the trainer holds it. Images are RGB, HWC, in [0, 1]. */
export interface TrainScene {
  id: string;
  name: string;
  width: number;
  height: number;
  leftImg: Float32Array;
  rightImg: Float32Array;
  /** Ground-truth left disparity in pixels at this size, 0 = unknown. Used for metrics only. */
  gtDisp?: Float32Array;
  /** 1 = non-occluded pixel with GT (Middlebury masks). */
  nonOccMask?: Uint8Array;
}

/** Sent every step (cheap: numbers only). */
export interface StepReport {
  stage: StageName;
  /** 1-based step within the stage. */
  step: number;
  steps: number;
  /** Loss terms of this step, e.g. { total, photo, smooth } or { total, distill }. */
  losses: Record<string, number>;
  /** Smoothed steps per second in this stage. */
  stepsPerSec: number;
  /** Seconds left in this stage at the current rate (with a time budget: of its share). */
  etaSec: number;
  /** The stage's share of the time budget in seconds, when the run has one (`steps` is then an estimate). */
  budgetSec?: number;
  memory: { numTensors: number; numBytes: number };
}

/**
 * Maps of one scene at its `width` x `height`: disparities in pixels of that size, occlusion
 * 1 = occluded or out of view. The networks ran on the scene at full resolution (what the same
 * weights give after training) unless `scale` says otherwise. Maps of networks that have not
 * been trained yet (or do not exist) are absent.
 */
export interface PreviewMaps {
  sceneId: string;
  width: number;
  height: number;
  stereoDisp?: Float32Array;
  singleDisp?: Float32Array;
  occlusion?: Float32Array;
  fusedDisp?: Float32Array;
  /**
   * Present only for a preview made on the scene shrunk by this factor (e.g. 0.5) because a
   * full-resolution pass did not fit the preview's time (src/train/previewSchedule.ts): the maps
   * are then an approximation, resized back to the scene's size, and the panels say so.
   */
  scale?: number;
  /**
   * Present when the answer was predicted on the scene resampled by this factor (setting inferScale
   * 'auto', src/train/predict.ts predictAnswer): the maps are still at the scene's size and in its pixels.
   */
  factor?: number;
  /** Present when StereoNet's and the fused map were refined at their depth edges with this radius (setting edgeRefine, src/core/edgeRefine.ts). */
  edgeRefine?: number;
  /** Present when StereoNet's and the fused map were moved onto their best matches within this many px (setting matchRefine, src/core/matchRefine.ts). */
  matchRefine?: number;
  /** For a preview during training: the step whose weights made it. */
  at?: { stage: StageName; step: number };
}

/** Metrics of each map against a scene's ground truth (see src/core/metrics.ts). */
export interface SceneMetrics {
  sceneId: string;
  stereo?: DispMetrics;
  single?: DispMetrics;
  fused?: DispMetrics;
}

export interface StageStart {
  stage: StageName;
  labels: boolean;
}

export interface StageEnd {
  stage: StageName;
  steps: number;
  /** Why it ended. */
  reason: 'done' | 'cancelled';
}

/** What the runner reports while it trains. */
export interface RunnerEvents {
  /** Awaited when it returns a promise (e.g. an evaluation every N steps in the CLI). */
  onStep?: (r: StepReport) => void | Promise<void>;
  onPreview?: (p: PreviewMaps) => void;
  /**
   * A stage begins. `labels`: it first makes its teachers' labels on the whole scenes (stages 2
   * and 3), a one-off pass that can take seconds before the first step.
   */
  onStageStart?: (e: StageStart) => void | Promise<void>;
  /** Awaited: the next stage starts once it has settled (the worker snapshots the weights here). */
  onStageEnd?: (e: StageEnd) => void | Promise<void>;
}

export type { StageName, TrainSettings };
