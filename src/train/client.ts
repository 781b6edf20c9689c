// Page side of the training worker: the only code that posts messages to it. Each method
// returns a promise for the matching reply (see ./protocol.ts). `init` starts a new run: the
// requests of the previous run are rejected, and late replies from it are dropped.
import type { BackendName, FromWorker, ReadyReply, ReplyFor, SelftestReply, ToWorker } from './protocol';

interface Pending {
  expect: FromWorker['type'];
  resolve: (reply: FromWorker) => void;
  reject: (err: Error) => void;
}

/** Errors not tied to a request (worker crashed, failed to load, undecodable message). */
export type WorkerErrorListener = (message: string) => void;

/** Distributes `Omit` over a union, so each request type keeps its own fields. */
type RequestBody<T> = T extends ToWorker ? Omit<T, 'runId' | 'reqId'> : never;

export class TrainClient {
  private readonly worker: Worker;
  private runId = 0;
  private nextReqId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly errorListeners = new Set<WorkerErrorListener>();

  constructor(worker?: Worker) {
    this.worker = worker ?? new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
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
  init(backend?: BackendName): Promise<ReadyReply> {
    this.runId += 1;
    for (const [reqId, p] of this.pending) {
      this.pending.delete(reqId);
      p.reject(new Error(`superseded by run ${this.runId}`));
    }
    return this.request({ type: 'init', ...(backend !== undefined ? { backend } : {}) });
  }

  /** One forward pass of each network at `width` x `height` (multiples of 32). */
  selftest(width: number, height: number): Promise<SelftestReply> {
    return this.request({ type: 'selftest', width, height });
  }

  /** Listens for errors that no request caused; returns the unsubscribe function. */
  onWorkerError(listener: WorkerErrorListener): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  terminate(): void {
    this.worker.terminate();
    this.fail('training worker terminated', false);
  }

  private request<B extends RequestBody<ToWorker>>(body: B): Promise<ReplyFor[B['type']]> {
    const reqId = this.nextReqId++;
    const msg = { ...body, runId: this.runId, reqId } as ToWorker;
    const expect = ({ init: 'ready', selftest: 'selftestResult' } as const)[body.type];
    return new Promise<ReplyFor[B['type']]>((resolve, reject) => {
      this.pending.set(reqId, { expect, resolve: resolve as (r: FromWorker) => void, reject });
      this.worker.postMessage(msg);
    });
  }

  private receive(msg: FromWorker): void {
    if (msg.runId !== this.runId) return; // a reply from a run we have left
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
