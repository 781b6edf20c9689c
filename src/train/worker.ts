// The training worker: the only owner of tfjs. It answers the requests of src/train/client.ts
// (types and the busy rule in ./protocol.ts).
//
// - `init` with a newer run id starts a new run: it cancels training, then runs as soon as the
//   request in progress (if any) has finished; from then on, replies of older runs are dropped.
// - Any other request must carry the current run id (else it is ignored).
// - `setScenes`, `control` and `previewScene` are answered at once; `predict` and `checkpoint`
//   may run between the steps of a `train`; anything else is refused with a 'busy' error while
//   another request is queued or running.
import * as tf from '@tensorflow/tfjs'; // core + layers + the cpu and webgl backends
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { STAGE_NAMES, type TrainSettings } from '../config/settings';
import { messageOf, selectBackend, warmUp } from './backend';
import {
  DURING_TRAINING,
  IMMEDIATE_REQUESTS,
  previewBuffers,
  type AckReply,
  type ControlRequest,
  type FromWorker,
  type ToWorker,
  type TrainerSummary,
  type TrainRequest,
} from './protocol';
import { runnerFromModel, type RunProgress } from './modelLoad';
import { Runner } from './runner';
import { runSelftest } from './selftest';
import type { RunnerEvents, StageEnd, TrainScene } from './types';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** Run id of the last accepted `init`; -1 before the first. */
let currentRunId = -1;
/** A backend is set and warmed up. */
let ready = false;
/** Requests queued or running (a running `train` included). */
let inFlight = 0;
let queue: Promise<void> = Promise.resolve();

/** Training data as the page sent it (the runner uploads its own tensors). */
let scenes: TrainScene[] = [];
let previewSceneId: string | undefined;
let runner: Runner | undefined;
/** The settings the runner's networks were built with (size and seed decide the weights). */
let runnerBuiltWith: Pick<TrainSettings, 'preset' | 'seed'> | undefined;
/** The train request being served: streamed messages carry its ids. */
let activeTrain: { runId: number; reqId: number } | undefined;
let resetRequested = false;
/** Where the current weights' run stands (saved with checkpoints, so a run can be resumed). */
let runProgress: RunProgress | undefined;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

/** Posts a streamed message of the active train, unless its run is over. */
function stream(make: (ids: { runId: number; reqId: number }) => FromWorker, transfer: Transferable[] = []): void {
  if (activeTrain === undefined || activeTrain.runId !== currentRunId) return;
  post(make(activeTrain), transfer);
}

const events: RunnerEvents = {
  onStep: (report) => {
    if (runProgress) runProgress.current = { stage: report.stage, step: report.step };
    stream((ids) => ({ type: 'step', ...ids, report }));
  },
  onPreview: (maps) => stream((ids) => ({ type: 'preview', ...ids, maps }), previewBuffers(maps)),
  onStageEnd: (end) => {
    if (runProgress && end.reason === 'done') {
      runProgress.done.push(end.stage);
      runProgress.current = undefined;
    }
    stream((ids) => ({ type: 'stageEnd', ...ids, end }));
  },
};

function summary(): TrainerSummary {
  return {
    state: runner === undefined ? 'none' : runner.state,
    completed: runner ? [...runner.completed] : [],
    sceneCount: scenes.length,
  };
}

function disposeRunner(): void {
  runner?.dispose();
  runner = undefined;
  runnerBuiltWith = undefined;
  runProgress = undefined;
}

/** Whether the runner's scenes hold `sceneId` (the runner fails a preview of an unknown pair). */
function known(sceneId: string | undefined): sceneId is string {
  return sceneId !== undefined && scenes.some((s) => s.id === sceneId);
}

function applyScenes(next: TrainScene[]): void {
  scenes = next;
  runner?.setScenes(next);
  if (known(previewSceneId)) runner?.setPreviewScene(previewSceneId);
}

async function train(msg: TrainRequest): Promise<FromWorker> {
  if (!ready) throw new Error('train: the worker has no backend yet (send init first)');
  const stages = STAGE_NAMES.filter((s) => msg.stages.includes(s));
  if (stages.length === 0) throw new Error('train: choose at least one stage');
  if (scenes.length === 0) throw new Error('train: no stereo pairs to train on (add at least one pair)');
  const { preset, seed } = msg.settings;
  let freshWeights = false;
  if (runner && (runnerBuiltWith?.preset !== preset || runnerBuiltWith.seed !== seed)) disposeRunner();
  if (runner) {
    runner.setSettings(msg.settings);
  } else {
    runner = new Runner(scenes, msg.settings, events);
    runnerBuiltWith = { preset, seed };
    freshWeights = true;
  }
  if (known(previewSceneId)) runner.setPreviewScene(previewSceneId);
  resetRequested = false;
  activeTrain = { runId: msg.runId, reqId: msg.reqId };
  const from = msg.from !== undefined && msg.from.stage === stages[0] ? msg.from : undefined;
  runProgress = { stages, done: [], ...(from ? { current: { ...from } } : {}) };
  stream((ids) => ({ type: 'trainStart', ...ids, freshWeights, stages, ...(from ? { from } : {}) }));
  let ends: StageEnd[];
  try {
    ends = await runner.run(stages, from);
  } finally {
    activeTrain = undefined;
  }
  const reset = resetRequested;
  if (reset) disposeRunner();
  resetRequested = false;
  return { type: 'trainEnd', runId: msg.runId, reqId: msg.reqId, ends, reset, trainer: summary() };
}

async function handle(msg: ToWorker): Promise<FromWorker> {
  const ids = { runId: msg.runId, reqId: msg.reqId };
  switch (msg.type) {
    case 'init': {
      ready = false;
      disposeRunner(); // weights live on the old backend
      const choice = await selectBackend(msg.backend);
      const warmupMs = await warmUp();
      ready = true;
      const wasmThreads = choice.backend === 'wasm' ? getThreadsCount() : undefined;
      return { type: 'ready', ...ids, ...choice, warmupMs, crossOriginIsolated: scope.crossOriginIsolated, ...(wasmThreads !== undefined ? { wasmThreads } : {}) };
    }
    case 'selftest': {
      if (!ready) throw new Error('selftest: the worker has no backend yet (send init first)');
      const result = await runSelftest(msg.width, msg.height);
      return { type: 'selftestResult', ...ids, ...result };
    }
    case 'train':
      return train(msg);
    case 'predict': {
      if (!runner) throw new Error('predict: no trained networks yet (press Train first)');
      return { type: 'predictResult', ...ids, maps: await runner.predict(msg.sceneId) };
    }
    case 'checkpoint': {
      if (!runner) throw new Error('checkpoint: no trained networks yet (press Train first)');
      // Read together: the weights are snapshotted before checkpoint() first awaits.
      const run = runProgress ? (JSON.parse(JSON.stringify(runProgress)) as RunProgress) : undefined;
      const { modelJson, weightData } = await runner.checkpoint();
      if (run) (modelJson as { userDefinedMetadata: Record<string, unknown> }).userDefinedMetadata.run = run;
      return { type: 'checkpointResult', ...ids, modelJson, weightData, ...(run ? { run } : {}) };
    }
    case 'loadModel': {
      if (!ready) throw new Error('loadModel: the worker has no backend yet (send init first)');
      // Built and checked beside the current runner, which is only replaced on success.
      const loaded = await runnerFromModel(msg.modelJson, msg.weightData, scenes, msg.settings, events);
      disposeRunner();
      runner = loaded.runner;
      runnerBuiltWith = { preset: msg.settings.preset, seed: msg.settings.seed };
      runProgress = loaded.run;
      if (known(previewSceneId)) runner.setPreviewScene(previewSceneId);
      return { type: 'modelLoaded', ...ids, trainer: summary(), numTensors: tf.memory().numTensors, ...(loaded.run ? { run: loaded.run } : {}) };
    }
    default:
      return immediate(msg);
  }
}

function control(msg: ControlRequest): string | undefined {
  switch (msg.action) {
    case 'pause':
      runner?.pause();
      return undefined;
    case 'resume':
      runner?.resume();
      return undefined;
    case 'cancel':
      runner?.cancel();
      return undefined;
    case 'reset':
      if (runner?.state === 'idle') disposeRunner();
      else if (runner) {
        resetRequested = true; // the run ends after its current step, then the weights go
        runner.cancel();
      }
      return undefined;
  }
}

/** setScenes, control and previewScene: answered at once. */
function immediate(msg: ToWorker): AckReply {
  const ids = { runId: msg.runId, reqId: msg.reqId };
  let note: string | undefined;
  if (msg.type === 'setScenes') {
    // A running runner takes the new scenes at its next step.
    if (runner !== undefined && runner.state !== 'idle') note = 'the new pairs join the training from the next step';
    applyScenes(msg.scenes);
  } else if (msg.type === 'previewScene') {
    previewSceneId = msg.sceneId;
    if (known(msg.sceneId)) runner?.setPreviewScene(msg.sceneId);
    else note = `pair "${msg.sceneId}" is not in the training data yet`;
  } else if (msg.type === 'control') {
    note = control(msg);
  } else {
    throw new Error(`'${msg.type}' is not answered at once`);
  }
  return { type: 'ack', ...ids, trainer: summary(), ...(note !== undefined ? { note } : {}) };
}

/** Runs `msg` now, beside the queue (its reply is dropped once its run is over). */
async function runNow(msg: ToWorker, track: boolean): Promise<void> {
  if (track) inFlight += 1;
  try {
    const reply = await handle(msg);
    if (reply.runId === currentRunId) post(reply, reply.type === 'predictResult' ? previewBuffers(reply.maps) : reply.type === 'checkpointResult' ? [reply.weightData] : []);
  } catch (err) {
    if (msg.runId === currentRunId) post({ type: 'error', runId: msg.runId, reqId: msg.reqId, message: messageOf(err) });
  } finally {
    if (track) inFlight -= 1;
  }
}

/** Runs `msg` after the requests before it; drops it, or its reply, once its run is over. */
function enqueue(msg: ToWorker): void {
  inFlight += 1;
  queue = queue.then(async () => {
    try {
      if (msg.runId !== currentRunId) return; // superseded before it started
      await runNow(msg, false);
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
    runner?.cancel(); // a train of the old run must end for the init to run
    enqueue(msg);
    return;
  }
  if (msg.runId !== currentRunId) return; // stale
  if (IMMEDIATE_REQUESTS.includes(msg.type)) {
    void runNow(msg, false);
    return;
  }
  const onlyTraining = activeTrain !== undefined && inFlight === 1;
  if (onlyTraining && DURING_TRAINING.includes(msg.type)) {
    void runNow(msg, true);
    return;
  }
  if (inFlight > 0) {
    post({ type: 'error', runId: msg.runId, reqId: msg.reqId, message: `busy: '${msg.type}' refused while another request runs` });
    return;
  }
  enqueue(msg);
};
