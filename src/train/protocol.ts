// Typed messages between the page (src/train/client.ts, the only sender) and the training
// worker (src/train/worker.ts, the only owner of tfjs). This file is the one place where the
// two halves meet: it holds types and tiny helpers only, and imports nothing but types.
//
// Every message carries the run id it belongs to. `init` with a newer run id starts a new run
// (it cancels training, waits for the request in progress, whose reply is then dropped). The
// worker ignores any other message whose run id is not the current one. Each request also
// carries a `reqId`, echoed by its reply, so a reply (or a refusal) can be matched to the
// request that caused it.
//
// Busy rule: `setScenes`, `control` and `previewScene` are answered at once, at any time (so
// pause and cancel work while training runs). `predict` and `checkpoint` may run while `train`
// does (between its steps). Any other request (`loadModel` included: it replaces the weights)
// is refused with a 'busy' error while another request is queued or running.
//
// Training: `train` is answered by `trainEnd` when the run ends (done, cancelled or reset). In
// between, the worker streams `trainStart`, `step`, `preview` and `stageEnd` messages that carry
// the `reqId` of that `train` request; the client drops those of any other (older) train.
import type { StepSize } from './wasmThreads';
import type { BackendName } from '../config/backends';
import type { StageName, TrainSettings } from '../config/settings';
import type { RunProgress } from './runProgress';
import type { PreviewMaps, StageEnd, StageStart, StepReport, TrainScene } from './types';

/** Where a resumed run starts: the stage and the steps of it already done. */
export interface StartPoint {
  stage: StageName;
  step: number;
}

// The backend names live with the other settings-level facts about backends (config/backends.ts).
export { BACKEND_NAMES, isBackendName, type BackendName } from '../config/backends';

/** What the worker learned about the WebGPU adapter (present even when it chose another backend). */
export interface AdapterSummary {
  architecture: string;
  vendor: string;
  description: string;
  /** Software adapter (SwiftShader, or `isFallbackAdapter`): treated as "no GPU". */
  isFallback: boolean;
}

/** One network output as seen by the self-test. `shape` is `[B, H, W, C]`. */
export interface OutputSummary {
  name: string;
  shape: number[];
  min: number;
  max: number;
  /** Every value is finite (no NaN / Infinity). */
  finite: boolean;
}

// ---- page -> worker -------------------------------------------------------------------------

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

/** Trains `stages` (in the method's order) from the current weights; see the file comment. */
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

/** Requests answered at once, even while another request (such as `train`) runs. */
export const IMMEDIATE_REQUESTS: readonly ToWorker['type'][] = ['setScenes', 'control', 'previewScene'];
/** Requests that may run while `train` runs (between its steps). */
export const DURING_TRAINING: readonly ToWorker['type'][] = ['predict', 'checkpoint'];

// ---- worker -> page -------------------------------------------------------------------------

export interface ReadyReply {
  type: 'ready';
  runId: number;
  reqId: number;
  /** The backend tfjs really runs on (`tf.getBackend()` after `tf.ready()`). */
  backend: BackendName;
  /** The forced backend, when one was asked for. `backend !== requested` means it failed. */
  requested?: BackendName;
  /** Why each better backend was passed over (and why a forced one failed), in order. */
  reasons: string[];
  adapter?: AdapterSummary;
  /** Time of the warm-up op in ms (shader / wasm compilation). */
  warmupMs: number;
  /** The worker is cross-origin isolated (COOP/COEP headers), so wasm may use threads. */
  crossOriginIsolated: boolean;
  /** Threads of the wasm backend (1: single-threaded SIMD build); only when it runs on wasm. */
  wasmThreads?: number;
  /** How the thread count was chosen (src/train/wasmThreads.ts); only when it runs on wasm. */
  wasmThreadsNote?: string;
  /** On wasm: the threads our own convolution kernels run on (src/backends/wasm/); 0 where they cannot load. */
  wasmConvThreads?: number;
}

export interface SelftestReply {
  type: 'selftestResult';
  runId: number;
  reqId: number;
  /** Every output finite and of the expected shape, and no tensor leaked. */
  ok: boolean;
  backend: BackendName;
  width: number;
  height: number;
  outputs: OutputSummary[];
  /** Trainable parameter count of each network. */
  params: { stereo: number; single: number };
  /** `tf.memory().numTensors` before building the networks and after disposing everything. */
  numTensorsBefore: number;
  numTensorsAfter: number;
  /** Problems found (shape mismatch, non-finite values, leaked tensors); empty when ok. */
  problems: string[];
  /** Wall time of build + forward passes + read-back + dispose, in ms. */
  ms: number;
}

export interface ErrorReply {
  type: 'error';
  runId: number;
  /** The request that failed or was refused; absent for errors not tied to a request. */
  reqId?: number;
  message: string;
}

/** What the worker holds for training. */
export interface TrainerSummary {
  /** 'none': no networks yet (or after a reset). */
  state: 'none' | 'idle' | 'running' | 'paused';
  /** Stages finished with the current weights, in order. */
  completed: StageName[];
  /** Pairs the worker trains on. */
  sceneCount: number;
}

/** Reply to setScenes, control and previewScene. */
export interface AckReply {
  type: 'ack';
  runId: number;
  reqId: number;
  trainer: TrainerSummary;
  /** What the request changed, in words (e.g. why new scenes wait for the run to end). */
  note?: string;
}

export interface TrainEndReply {
  type: 'trainEnd';
  runId: number;
  reqId: number;
  ends: StageEnd[];
  /** The run was reset: the weights are gone. */
  reset: boolean;
  trainer: TrainerSummary;
}

export interface PredictReply {
  type: 'predictResult';
  runId: number;
  reqId: number;
  maps: PreviewMaps;
}

export interface CheckpointReply {
  type: 'checkpointResult';
  runId: number;
  reqId: number;
  /** With `completedStages`, `settings` and (during or after a run) `run` in its metadata. */
  modelJson: unknown;
  weightData: ArrayBuffer;
  /** Where the run stood when the weights were read (also in the metadata as `run`). */
  run?: RunProgress;
}

export interface ModelLoadedReply {
  type: 'modelLoaded';
  runId: number;
  reqId: number;
  trainer: TrainerSummary;
  /** The run the model was saved in, when it says (an autosave does). */
  run?: RunProgress;
  /** `tf.memory().numTensors` in the worker after the swap (tests check it stays flat). */
  numTensors: number;
}

// ---- worker -> page, streamed during `train` (reqId: that train request) ----------------------

export interface TrainStartEvent {
  type: 'trainStart';
  runId: number;
  reqId: number;
  /** The networks are new (first run, after a reset, or the network size or seed changed). */
  freshWeights: boolean;
  stages: StageName[];
  /** A resumed run: where its first stage starts. */
  from?: StartPoint;
}

export interface StepEvent {
  type: 'step';
  runId: number;
  reqId: number;
  report: StepReport;
}

export interface PreviewEvent {
  type: 'preview';
  runId: number;
  reqId: number;
  maps: PreviewMaps;
}

/** A stage begins; with `labels`, it first makes its teachers' labels on the whole scenes (seconds). */
export interface StageStartEvent {
  type: 'stageStart';
  runId: number;
  reqId: number;
  start: StageStart;
}

export interface StageEndEvent {
  type: 'stageEnd';
  runId: number;
  reqId: number;
  end: StageEnd;
}

/** The GPU device under the training was lost (driver reset, GPU removed, or destroyed). */
export interface BackendLostEvent {
  type: 'backendLost';
  runId: number;
  reqId: number;
  backend: BackendName;
  /** The device's own account of it (`GPUDeviceLostInfo`). */
  reason: string;
  message: string;
}

/** Training goes on after a lost device: on `backend`, from the last weights the worker held. */
export interface BackendRestoredEvent {
  type: 'backendRestored';
  runId: number;
  reqId: number;
  backend: BackendName;
  /** How the backend was restarted (a fresh device, or why it moved to another backend). */
  reasons: string[];
  /** Where training goes on: the weights are those of this point. */
  from?: StartPoint;
  /** Steps done after that point and lost with the device. */
  lostSteps: number;
}

/**
 * The GPU device was lost while no training ran (a driver reset or the GPU taken while the app sat
 * idle). The worker restarts on its own: a `deviceRestored` follows. Not tied to a request.
 */
export interface DeviceLostEvent {
  type: 'deviceLost';
  runId: number;
  backend: BackendName;
  reason: string;
  message: string;
}

/** After `deviceLost`: tfjs runs on `backend`; the trained networks were rebuilt from the last weights read back ('restored'), could not be ('lost'), or there were none ('none'). */
export interface DeviceRestoredEvent {
  type: 'deviceRestored';
  runId: number;
  backend: BackendName;
  reasons: string[];
  weights: 'restored' | 'lost' | 'none';
  /** Why the weights could not be rebuilt ('lost'). */
  problem?: string;
}

export type DeviceEvent = DeviceLostEvent | DeviceRestoredEvent;
export const DEVICE_EVENT_TYPES: readonly DeviceEvent['type'][] = ['deviceLost', 'deviceRestored'];

export type TrainEvent = TrainStartEvent | StepEvent | PreviewEvent | StageStartEvent | StageEndEvent | BackendLostEvent | BackendRestoredEvent;
export const TRAIN_EVENT_TYPES: readonly TrainEvent['type'][] = ['trainStart', 'step', 'preview', 'stageStart', 'stageEnd', 'backendLost', 'backendRestored'];

export type FromWorker = ReadyReply | SelftestReply | ErrorReply | AckReply | TrainEndReply | PredictReply | CheckpointReply | ModelLoadedReply | TrainEvent | DeviceEvent;

/** Reply type expected for each request type. */
export interface ReplyFor {
  init: ReadyReply;
  selftest: SelftestReply;
  setScenes: AckReply;
  train: TrainEndReply;
  control: AckReply;
  previewScene: AckReply;
  predict: PredictReply;
  checkpoint: CheckpointReply;
  loadModel: ModelLoadedReply;
}

export const REPLY_TYPE: { [K in keyof ReplyFor]: ReplyFor[K]['type'] } = {
  init: 'ready',
  selftest: 'selftestResult',
  setScenes: 'ack',
  train: 'trainEnd',
  control: 'ack',
  previewScene: 'ack',
  predict: 'predictResult',
  checkpoint: 'checkpointResult',
  loadModel: 'modelLoaded',
};

/** The distinct buffers behind some typed arrays (a transfer list must not repeat one). */
export function buffersOf(arrays: readonly (ArrayBufferView | undefined)[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}

export function previewBuffers(maps: PreviewMaps): ArrayBuffer[] {
  return buffersOf([maps.stereoDisp, maps.singleDisp, maps.occlusion, maps.fusedDisp]);
}

export function sceneBuffers(scenes: readonly TrainScene[]): ArrayBuffer[] {
  return buffersOf(scenes.flatMap((s) => [s.leftImg, s.rightImg, s.gtDisp, s.nonOccMask]));
}
