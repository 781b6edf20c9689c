// The order in which the training worker serves requests, and the busy rule: the one place that
// decides whether a request runs at once, beside a train, after the one in progress, or not at
// all. Tested in requestQueue.test.ts (the rule against a stand-in handler) and e2e/smoke.spec.ts
// (a self-test refused as busy while the real worker trains).
//
// - Run ids: `init` with a newer run id starts a new run. It cancels training (`onNewRun`), then
//   runs after the request in progress; from then on requests of older runs are ignored, queued
//   ones are dropped and replies to them are not posted. An `init` with an old run id is stale.
// - At once, at any time: IMMEDIATE_REQUESTS, so that pause and cancel reach a running train.
// - Beside a train: DURING_TRAINING, between its steps, one at a time (the page's previews and
//   autosaves during a run). Only while the train is the one request in progress.
// - Anything else is refused with an error whose message starts with 'busy' while another request
//   is queued or running (it is not queued behind a train that may last an hour); on an idle
//   worker it is queued. Work that is not a request (a recovery from a device lost while idle,
//   `after`) does not count: requests that arrive meanwhile wait for it instead.
import { messageOf } from './backend';
import { transferOf, type FromWorker, type ToWorker } from './protocol';

/** Requests answered at once, even while another request (such as `train`) runs. */
export const IMMEDIATE_REQUESTS: readonly ToWorker['type'][] = ['setScenes', 'control', 'previewScene'];
/** Requests that may run while `train` runs (between its steps). */
export const DURING_TRAINING: readonly ToWorker['type'][] = ['predict', 'checkpoint'];

export class RequestQueue {
  /** Run id of the last accepted `init`; -1 before the first. */
  private runId = -1;
  /** Requests queued or running (a running `train` included). */
  private inFlight = 0;
  /** The queued request being served now. */
  private serving: ToWorker | undefined;
  private tail: Promise<void> = Promise.resolve();

  /**
   * `handle` answers a request (a throw becomes an error reply); `post` sends a message to the
   * page; `onNewRun` is told of each new run before its `init` waits for the request in progress.
   */
  constructor(
    private readonly handle: (msg: ToWorker) => Promise<FromWorker>,
    private readonly post: (msg: FromWorker, transfer?: Transferable[]) => void,
    private readonly onNewRun: () => void,
  ) {}

  /** Run id of the last accepted `init`; -1 before the first. */
  get currentRunId(): number {
    return this.runId;
  }

  /** A request from the page: runs it now, queues it, refuses it as busy or ignores it (see the file comment). */
  receive(msg: ToWorker): void {
    if (msg.type === 'init') {
      if (msg.runId <= this.runId) return; // stale
      this.runId = msg.runId;
      this.onNewRun(); // a train of the old run must end for the init to run
      this.enqueue(msg);
      return;
    }
    if (msg.runId !== this.runId) return; // stale
    if (IMMEDIATE_REQUESTS.includes(msg.type)) {
      void this.runNow(msg, false);
      return;
    }
    const onlyTraining = this.serving?.type === 'train' && this.inFlight === 1;
    if (onlyTraining && DURING_TRAINING.includes(msg.type)) {
      void this.runNow(msg, true);
      return;
    }
    if (this.inFlight > 0) {
      this.post({ type: 'error', runId: msg.runId, reqId: msg.reqId, message: `busy: '${msg.type}' refused while another request runs` });
      return;
    }
    this.enqueue(msg);
  }

  /**
   * Runs `task` after the requests queued so far and before any that arrive later, which wait for
   * it rather than being refused. `onError` reports a failure; the queue goes on either way.
   */
  after(task: () => Promise<void>, onError: (err: unknown) => void): void {
    this.tail = this.tail.then(task).catch(onError);
  }

  /** Runs `msg` now, beside the queue (its reply is dropped once its run is over). `track`: it counts as in flight. */
  private async runNow(msg: ToWorker, track: boolean): Promise<void> {
    if (track) this.inFlight += 1;
    try {
      const reply = await this.handle(msg);
      if (reply.runId === this.runId) this.post(reply, transferOf(reply));
    } catch (err) {
      if (msg.runId === this.runId) this.post({ type: 'error', runId: msg.runId, reqId: msg.reqId, message: messageOf(err) });
    } finally {
      if (track) this.inFlight -= 1;
    }
  }

  /** Runs `msg` after the requests before it; drops it, or its reply, once its run is over. */
  private enqueue(msg: ToWorker): void {
    this.inFlight += 1;
    this.tail = this.tail.then(async () => {
      try {
        if (msg.runId !== this.runId) return; // superseded before it started
        this.serving = msg;
        await this.runNow(msg, false);
      } finally {
        this.serving = undefined;
        this.inFlight -= 1;
      }
    });
  }
}
