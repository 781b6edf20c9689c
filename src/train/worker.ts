// The training worker: the only owner of tfjs. It answers the requests of src/train/client.ts
// (types in ./protocol.ts) one at a time.
//
// - `init` with a newer run id starts a new run: from then on, replies of older runs are
//   dropped, and the init runs as soon as the request in progress (if any) has finished.
// - Any other request must carry the current run id (else it is ignored), and is refused with
//   a 'busy' error while another request is queued or running.
import '@tensorflow/tfjs'; // core + layers + the cpu and webgl backends
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-wasm';
import { messageOf, selectBackend, warmUp } from './backend';
import type { FromWorker, ToWorker } from './protocol';
import { runSelftest } from './selftest';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Run id of the last accepted `init`; -1 before the first. */
let currentRunId = -1;
/** A backend is set and warmed up. */
let ready = false;
/** Requests queued or running. */
let inFlight = 0;
let queue: Promise<void> = Promise.resolve();

function post(msg: FromWorker): void {
  scope.postMessage(msg);
}

async function handle(msg: ToWorker): Promise<FromWorker> {
  switch (msg.type) {
    case 'init': {
      ready = false;
      const choice = await selectBackend(msg.backend);
      const warmupMs = await warmUp();
      ready = true;
      return { type: 'ready', runId: msg.runId, reqId: msg.reqId, ...choice, warmupMs };
    }
    case 'selftest': {
      if (!ready) throw new Error('selftest: the worker has no backend yet (send init first)');
      const result = await runSelftest(msg.width, msg.height);
      return { type: 'selftestResult', runId: msg.runId, reqId: msg.reqId, ...result };
    }
  }
}

/** Runs `msg` after the requests before it; drops it, or its reply, once its run is over. */
function enqueue(msg: ToWorker): void {
  inFlight += 1;
  queue = queue.then(async () => {
    try {
      if (msg.runId !== currentRunId) return; // superseded before it started
      const reply = await handle(msg);
      if (reply.runId === currentRunId) post(reply);
    } catch (err) {
      if (msg.runId === currentRunId) post({ type: 'error', runId: msg.runId, reqId: msg.reqId, message: messageOf(err) });
    } finally {
      inFlight -= 1;
    }
  });
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'init') {
    if (msg.runId <= currentRunId) return; // stale
    currentRunId = msg.runId;
    enqueue(msg);
    return;
  }
  if (msg.runId !== currentRunId) return; // stale
  if (inFlight > 0) {
    post({ type: 'error', runId: msg.runId, reqId: msg.reqId, message: `busy: '${msg.type}' refused while another request runs` });
    return;
  }
  enqueue(msg);
};
