// Page side of the training worker: the only code that posts messages to it. Each method
// returns a promise for the matching reply (see ./protocol.ts). `init` starts a new run: the
// requests of the previous run are rejected, and late replies from it are dropped. Messages
// streamed during `train` go to the train listeners, and only those of the latest train.
import type { StageName, TrainSettings } from '../config/settings';
import {
  DEVICE_EVENT_TYPES,
  REPLY_TYPE,
  TRAIN_EVENT_TYPES,
  sceneBuffers,
  type AckReply,
  type BackendName,
  type CheckpointReply,
  type ControlAction,
  type DeviceEvent,
  type FromWorker,
  type ModelLoadedReply,
  type PredictReply,
  type ReadyReply,
  type ReplyFor,
  type SelftestReply,
  type StartPoint,
  type ToWorker,
  type TrainEndReply,
  type TrainEvent,
} from './protocol';
import type { TrainScene } from './types';
import type { StepSize } from './wasmThreads';

interface Pending {
  expect: FromWorker['type'];
  resolve: (reply: FromWorker) => void;
  reject: (err: Error) => void;
}

/** Errors not tied to a request (worker crashed, failed to load, undecodable message). */
export type WorkerErrorListener = (message: string) => void;
export type TrainEventListener = (event: TrainEvent) => void;
export type DeviceEventListener = (event: DeviceEvent) => void;

/** Distributes `Omit` over a union, so each request type keeps its own fields. */
type RequestBody<T> = T extends ToWorker ? Omit<T, 'runId' | 'reqId'> : never;

/** The part of a Worker the client uses (a fake one in unit tests). */
export type WorkerLike = Pick<Worker, 'postMessage' | 'terminate'> & {
  onmessage: ((ev: MessageEvent<FromWorker>) => void) | null;
  onerror: ((ev: ErrorEvent) => void) | null;
  onmessageerror: ((ev: MessageEvent) => void) | null;
};

function isDeviceEvent(msg: FromWorker): msg is DeviceEvent {
  return (DEVICE_EVENT_TYPES as readonly string[]).includes(msg.type);
}

export class TrainClient {
  private readonly worker: WorkerLike;
  private runId = 0;
  private nextReqId = 1;
  /** reqId of the latest train request; streamed messages of other trains are dropped. */
  private trainReqId = -1;
  private readonly pending = new Map<number, Pending>();
  private readonly errorListeners = new Set<WorkerErrorListener>();
  private readonly trainListeners = new Set<TrainEventListener>();
  private readonly deviceListeners = new Set<DeviceEventListener>();

  constructor(worker?: WorkerLike) {
    this.worker = worker ?? (new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }) as WorkerLike);
    this.worker.onmessage = (ev: MessageEvent<FromWorker>) => this.receive(ev.data);
    this.worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.fail(`training worker error: ${ev.message || 'failed to load or crashed'}`);
    };
    this.worker.onmessageerror = () => this.fail('training worker sent a message that could not be decoded');
  }

  /** The current run id (0 before the first `init`). */
  get currentRunId(): number {
    return this.runId;
  }

  /** Starts a new run: chooses (or forces) the backend and warms it up. */
  init(backend?: BackendName, threads?: { wasmThreads?: number; step?: StepSize }): Promise<ReadyReply> {
    this.runId += 1;
    this.trainReqId = -1;
    for (const [reqId, p] of this.pending) {
      this.pending.delete(reqId);
      p.reject(new Error(`superseded by run ${this.runId}`));
    }
    const { wasmThreads, step } = threads ?? {};
    return this.request({ type: 'init', ...(backend !== undefined ? { backend } : {}), ...(wasmThreads !== undefined ? { wasmThreads } : {}), ...(step !== undefined ? { step } : {}) });
  }

  /** One forward pass of each network at `width` x `height` (multiples of 32). */
  selftest(width: number, height: number): Promise<SelftestReply> {
    return this.request({ type: 'selftest', width, height });
  }

  /** Replaces the training data. The scenes' buffers are transferred: pass copies you can give away. */
  setScenes(scenes: TrainScene[]): Promise<AckReply> {
    return this.request({ type: 'setScenes', scenes }, sceneBuffers(scenes));
  }

  /**
   * Trains; resolves when the run ends. Steps, previews and stage ends go to the train listeners.
   * `from`: resume, the first stage starts at that step. `budgetSeconds`: a time budget for this
   * run only (see TrainRequest).
   */
  train(settings: TrainSettings, stages: StageName[], from?: StartPoint, budgetSeconds?: number): Promise<TrainEndReply> {
    return this.request({ type: 'train', settings, stages, ...(from ? { from } : {}), ...(budgetSeconds !== undefined ? { budgetSeconds } : {}) });
  }

  /** Pause, resume, cancel or reset; accepted while training runs. */
  control(action: ControlAction): Promise<AckReply> {
    return this.request({ type: 'control', action });
  }

  /** The pair that previews streamed during training show. */
  previewScene(sceneId: string): Promise<AckReply> {
    return this.request({ type: 'previewScene', sceneId });
  }

  /** The maps of one pair at its full size, from the current weights. */
  predict(sceneId: string): Promise<PredictReply> {
    return this.request({ type: 'predict', sceneId });
  }

  checkpoint(): Promise<CheckpointReply> {
    return this.request({ type: 'checkpoint' });
  }

  /** Replaces the networks with a saved model; `weightData` is transferred (pass a copy you can give away). */
  loadModel(modelJson: unknown, weightData: ArrayBuffer, settings: TrainSettings): Promise<ModelLoadedReply> {
    return this.request({ type: 'loadModel', modelJson, weightData, settings }, [weightData]);
  }

  /** Listens for errors that no request caused; returns the unsubscribe function. */
  onWorkerError(listener: WorkerErrorListener): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Listens for the messages streamed during the latest train; returns the unsubscribe function. */
  onTrainEvent(listener: TrainEventListener): () => void {
    this.trainListeners.add(listener);
    return () => this.trainListeners.delete(listener);
  }

  /** Listens for a GPU device lost (and the worker's own recovery) while no training ran; returns the unsubscribe function. */
  onDeviceEvent(listener: DeviceEventListener): () => void {
    this.deviceListeners.add(listener);
    return () => this.deviceListeners.delete(listener);
  }

  terminate(): void {
    this.worker.terminate();
    this.fail('training worker terminated', false);
  }

  private request<B extends RequestBody<ToWorker>>(body: B, transfer: Transferable[] = []): Promise<ReplyFor[B['type']]> {
    const reqId = this.nextReqId++;
    const msg = { ...body, runId: this.runId, reqId } as ToWorker;
    const expect = REPLY_TYPE[body.type];
    if (body.type === 'train') this.trainReqId = reqId;
    return new Promise<ReplyFor[B['type']]>((resolve, reject) => {
      this.pending.set(reqId, { expect, resolve: resolve as (r: FromWorker) => void, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  private receive(msg: FromWorker): void {
    if (msg.runId !== this.runId) return; // a reply from a run we have left
    if (isDeviceEvent(msg)) {
      for (const listener of this.deviceListeners) listener(msg);
      return;
    }
    if ((TRAIN_EVENT_TYPES as readonly string[]).includes(msg.type)) {
      if (msg.reqId !== this.trainReqId) return; // from an older train
      for (const listener of this.trainListeners) listener(msg as TrainEvent);
      return;
    }
    if (msg.reqId === undefined) {
      // Only errors may come without a request id.
      this.emitError(msg.type === 'error' ? msg.message : `unexpected '${msg.type}' without reqId`);
      return;
    }
    const p = this.pending.get(msg.reqId);
    if (p === undefined) return;
    this.pending.delete(msg.reqId);
    if (msg.type === 'error') p.reject(new Error(msg.message));
    else if (msg.type !== p.expect) p.reject(new Error(`expected '${p.expect}' reply, got '${msg.type}'`));
    else p.resolve(msg);
  }

  /** Rejects every pending request; `emit`: also report it as a worker error. */
  private fail(message: string, emit = true): void {
    for (const [reqId, p] of this.pending) {
      this.pending.delete(reqId);
      p.reject(new Error(message));
    }
    if (emit) this.emitError(message);
  }

  private emitError(message: string): void {
    for (const listener of this.errorListeners) listener(message);
  }
}
