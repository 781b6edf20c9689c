// Page -> worker: the requests of the training protocol (../protocol.ts says how they are
// answered; src/train/requestQueue.ts when, and which are refused as busy).
import type { StepSize } from '../wasmThreads';
import type { BackendName } from '../../config/backends';
import type { StageName, TrainSettings } from '../../config/settings';
import type { TrainScene } from '../types';

/** Where a resumed run starts: the stage and the steps of it already done. */
export interface StartPoint {
  stage: StageName;
  step: number;
}

export interface InitRequest {
  type: 'init';
  runId: number;
  reqId: number;
  /** Forced backend (from `?backend=`); omitted: the worker chooses. */
  backend?: BackendName;
  /** Threads for the wasm backend (from `?wasmThreads=`); omitted: chosen from the cores and `step`. */
  wasmThreads?: number;
  /** The training step of the settings the page starts with, for the wasm thread choice (src/train/wasmThreads.ts). */
  step?: StepSize;
}

export interface SelftestRequest {
  type: 'selftest';
  runId: number;
  reqId: number;
  /** Image size in pixels; both must be multiples of 32. */
  width: number;
  height: number;
}

/** Replaces the training data. The scenes' buffers are transferred (the page keeps its own copy). */
export interface SetScenesRequest {
  type: 'setScenes';
  runId: number;
  reqId: number;
  scenes: TrainScene[];
}

/** Trains `stages` (in the method's order) from the current weights; see src/train/protocol.ts's file comment. */
export interface TrainRequest {
  type: 'train';
  runId: number;
  reqId: number;
  settings: TrainSettings;
  stages: StageName[];
  /** Resume: the first of `stages` starts at this step (the weights are those of that point). */
  from?: StartPoint;
  /**
   * A wall-clock budget for this run only (Adapt), used in place of `settings.budgetSeconds`. The
   * weights are still saved with `settings` as given, so a model downloaded, shared or autosaved
   * after such a run does not turn the user's step counts into a budget when it is loaded again.
   */
  budgetSeconds?: number;
}

/**
 * pause / resume: between steps. cancel: ends the run after the current step, keeping the
 * weights. reset: like cancel, then drops the weights (the next train starts from new networks).
 * loseDevice: destroys the WebGPU device (or loses the WebGL context), as a driver reset or a
 * removed GPU would, so the recovery can be tried (the browser tests use it); a no-op on the
 * CPU backends.
 */
export type ControlAction = 'pause' | 'resume' | 'cancel' | 'reset' | 'loseDevice';

export interface ControlRequest {
  type: 'control';
  runId: number;
  reqId: number;
  action: ControlAction;
}

/** Which pair the previews streamed during training show. */
export interface PreviewSceneRequest {
  type: 'previewScene';
  runId: number;
  reqId: number;
  sceneId: string;
}

/** The maps of one pair at its full size, from the current weights. */
export interface PredictRequest {
  type: 'predict';
  runId: number;
  reqId: number;
  sceneId: string;
}

/** The current weights (model.json + one binary shard). */
export interface CheckpointRequest {
  type: 'checkpoint';
  runId: number;
  reqId: number;
}

/**
 * Replaces the networks with a saved model (model.json + its weights as one buffer, which is
 * transferred). Every tensor is checked first; on any problem the current networks stay. The
 * `settings` are those the page adopted with the model (its network size and seed).
 */
export interface LoadModelRequest {
  type: 'loadModel';
  runId: number;
  reqId: number;
  modelJson: unknown;
  weightData: ArrayBuffer;
  settings: TrainSettings;
}

export type ToWorker =
  | LoadModelRequest
  | InitRequest
  | SelftestRequest
  | SetScenesRequest
  | TrainRequest
  | ControlRequest
  | PreviewSceneRequest
  | PredictRequest
  | CheckpointRequest;
