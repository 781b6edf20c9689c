// Worker -> page: the answer to each request (matched to it by `reqId`; ../protocol.ts pairs
// them in ReplyFor), and the error that answers a failed or refused one.
import type { BackendName } from '../../config/backends';
import type { StageName } from '../../config/settings';
import type { RunProgress } from '../runProgress';
import type { PreviewMaps, StageEnd } from '../types';

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
