// Typed messages between the page (src/train/client.ts, the only sender) and the training
// worker (src/train/worker.ts, the only owner of tfjs). This file is the one place where the
// two halves meet: it holds types and tiny helpers only, and imports nothing.
//
// Every message carries the run id it belongs to. `init` with a newer run id starts a new run
// (it waits for the request in progress, whose reply is then dropped). The worker ignores any
// other message whose run id is not the current one and refuses it with a 'busy' error while
// another request is queued or running; the client ignores replies from a run it has left.
// Each request also carries a `reqId`, echoed by its reply, so a reply (or a refusal) can be
// matched to the request that caused it.

/** Compute backends the worker can run on, best first when a real GPU is present. */
export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value);
}

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
}

export interface SelftestRequest {
  type: 'selftest';
  runId: number;
  reqId: number;
  /** Image size in pixels; both must be multiples of 32. */
  width: number;
  height: number;
}

export type ToWorker = InitRequest | SelftestRequest;

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

export type FromWorker = ReadyReply | SelftestReply | ErrorReply;

/** Reply type expected for each request type. */
export interface ReplyFor {
  init: ReadyReply;
  selftest: SelftestReply;
}
