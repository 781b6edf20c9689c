// Typed messages between the page (src/train/client.ts, the only sender) and the training
// worker (src/train/worker.ts, the only owner of tfjs). This file is the one place where the
// two halves meet: it holds types and tiny helpers only, and imports nothing but types (and its
// own parts). The messages are declared in three parts, re-exported here (import them from this
// file): protocol/requests.ts (page -> worker), protocol/replies.ts (the answer to each request)
// and protocol/events.ts (what the worker sends unasked: a train's stream, a device lost while idle).
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
// is refused with a 'busy' error while another request is queued or running. The worker applies
// this rule in one place, src/train/requestQueue.ts (IMMEDIATE_REQUESTS, DURING_TRAINING), and
// requestQueue.test.ts shows each case.
//
// Training: `train` is answered by `trainEnd` when the run ends (done, cancelled or reset). In
// between, the worker streams `trainStart`, `step`, `preview` and `stageEnd` messages that carry
// the `reqId` of that `train` request; the client drops those of any other (older) train.
import type { PreviewMaps, TrainScene } from './types';
import type { DeviceEvent, TrainEvent } from './protocol/events';
import type {
  AckReply,
  CheckpointReply,
  ErrorReply,
  ModelLoadedReply,
  PredictReply,
  ReadyReply,
  SelftestReply,
  TrainEndReply,
} from './protocol/replies';

// The backend names live with the other settings-level facts about backends (config/backends.ts).
export { BACKEND_NAMES, isBackendName, type BackendName } from '../config/backends';
export type * from './protocol/requests';
export type * from './protocol/replies';
export * from './protocol/events';

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

/** What a reply hands over rather than copies: the maps of a prediction, the weights of a checkpoint. */
export function transferOf(reply: FromWorker): ArrayBuffer[] {
  if (reply.type === 'predictResult') return previewBuffers(reply.maps);
  if (reply.type === 'checkpointResult') return [reply.weightData];
  return [];
}
