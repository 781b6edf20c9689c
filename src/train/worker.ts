// The training worker: the only owner of tfjs. It answers the requests of src/train/client.ts
// (message types in ./protocol.ts) and only routes them; the parts it routes to:
// - ./requestQueue.ts: when each request runs, and which are refused as busy (run ids, the busy
//   rule; requestQueue.test.ts);
// - ./session.ts: what the worker trains on and with (pairs, runner, settings, run progress, the
//   weights kept for recovery), and the requests that use it;
// - ./device.ts: the backend tfjs runs on, chosen at `init`;
// - ./recovery.ts: a lost GPU device (WebGPU) or context (WebGL), recovered by one recoverDevice
//   during a train or while idle (recovery.test.ts; e2e/soak.spec.ts on real devices).
import '@tensorflow/tfjs'; // core + layers + the cpu and webgl backends
import '@tensorflow/tfjs-backend-webgpu';
import { messageOf } from './backend';
import { Device } from './device';
import type { AckReply, FromWorker, ToWorker } from './protocol';
import { recoverDevice } from './recovery';
import { RequestQueue } from './requestQueue';
import { runSelftest } from './selftest';
import { Session } from './session';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

// A device lost during a train stops its runner after the step in flight (whose read-back may fail
// instead), and the train recovers and goes on (Session.train). One lost while idle is recovered on
// the queue: after the request in progress, before any sent after it, which wait for it (the
// queue's `after`, requestQueue.test.ts), so none of them meets a dead device.
const device = new Device(() => {
  if (session.training) {
    session.cancel();
    return;
  }
  queue.after(
    // (unless a train that ran first has already recovered from it)
    () => (device.loss ? recoverDevice(session, device.loss) : Promise.resolve(undefined)),
    (err) => post({ type: 'error', runId: queue.currentRunId, message: `Starting again after the lost GPU device failed: ${messageOf(err)}. Reload the page.` }),
  );
});
const session = new Session(device, { post, runId: () => queue.currentRunId });
// A new run cancels training, so that its `init` gets its turn.
const queue = new RequestQueue(handle, post, () => session.cancel());

function ack(msg: ToWorker, note: string | undefined): AckReply {
  return { type: 'ack', runId: msg.runId, reqId: msg.reqId, trainer: session.summary(), ...(note !== undefined ? { note } : {}) };
}

/** Answers one request; a throw becomes its error reply (the queue sends it). */
async function handle(msg: ToWorker): Promise<FromWorker> {
  const ids = { runId: msg.runId, reqId: msg.reqId };
  switch (msg.type) {
    case 'init': {
      session.dispose(); // weights live on the old backend
      const ready = await device.start(msg, scope.navigator.hardwareConcurrency);
      return { type: 'ready', ...ids, ...ready, crossOriginIsolated: scope.crossOriginIsolated };
    }
    case 'selftest': {
      if (!device.ready) throw new Error('selftest: the worker has no backend yet (send init first)');
      return { type: 'selftestResult', ...ids, ...(await runSelftest(msg.width, msg.height)) };
    }
    case 'train':
      return session.train(msg);
    case 'predict':
      return { type: 'predictResult', ...ids, maps: await session.predict(msg.sceneId) };
    case 'checkpoint':
      return { type: 'checkpointResult', ...ids, ...(await session.checkpoint()) };
    case 'loadModel':
      return { type: 'modelLoaded', ...ids, ...(await session.loadModel(msg)) };
    case 'setScenes':
      return ack(msg, session.setScenes(msg.scenes));
    case 'previewScene':
      return ack(msg, session.previewScene(msg.sceneId));
    case 'control':
      return ack(msg, session.control(msg.action));
  }
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => queue.receive(ev.data);
