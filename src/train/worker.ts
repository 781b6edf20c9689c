// The training worker: the only owner of tfjs. It answers the requests of src/train/client.ts
// (types in ./protocol.ts). When each request runs, and which are refused as busy, is decided by
// ./requestQueue.ts (run ids, the busy rule; tested in requestQueue.test.ts).
//
// - A GPU device (WebGPU) or context (WebGL) lost during a `train` is recovered inside it; one
//   lost while idle is recovered on the queue (`deviceLost`, then `deviceRestored`), so requests
//   sent meanwhile wait for it.
import * as tf from '@tensorflow/tfjs'; // core + layers + the cpu and webgl backends
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { applyWasmThreads, planWasmThreads, type WasmThreadPlan } from './wasmThreads';
import { nativeThreads, registerWasmKernels } from '../backends/wasm';
import { registerWebgpuKernels } from '../backends/webgpu';
import { STAGE_NAMES, type TrainSettings } from '../config/settings';
import { messageOf, selectBackend, warmUp } from './backend';
import { gpuResource } from '../config/backends';
import { loseDevice, lostWithin, restartBackend, watchDeviceLoss, type DeviceLoss } from './recovery';
import { RequestQueue } from './requestQueue';
import {
  type BackendName,
  previewBuffers,
  type AckReply,
  type ControlRequest,
  type FromWorker,
  type ToWorker,
  type TrainerSummary,
  type TrainRequest,
} from './protocol';
import { remainingOf, runnerFromModel, type RunProgress } from './modelLoad';
import { Runner } from './runner';
import { runSelftest } from './selftest';
import type { RunnerEvents, StageEnd, TrainScene } from './types';

const scope = self as unknown as DedicatedWorkerGlobalScope;

/** A backend is set and warmed up. */
let ready = false;
/** The wasm thread count, chosen at the first init (the wasm module reads it once). */
let wasmPlan: WasmThreadPlan | undefined;
/** Training data as the page sent it (the runner uploads its own tensors). */
let scenes: TrainScene[] = [];
let previewSceneId: string | undefined;
let runner: Runner | undefined;
/** The settings the runner was built or last trained with (its preset and seed decide the weights). */
let runnerSettings: TrainSettings | undefined;
/** The user's pause (kept apart from the runner, which a lost device replaces). */
let wantPaused = false;
/** The train request being served: streamed messages carry its ids. */
let activeTrain: { runId: number; reqId: number } | undefined;
let resetRequested = false;
/** Where the current weights' run stands (saved with checkpoints, so a run can be resumed). */
let runProgress: RunProgress | undefined;
/** The backend tfjs runs on. */
let backendName: BackendName | undefined;
/**
 * The last weights read back during a run on a GPU backend, with where the run stood then: what
 * training goes on from if the device is lost. Taken at the start of a run, at each stage end,
 * with every checkpoint the page asks for (autosave) and at least every SNAPSHOT_MS.
 */
let lastGood: { modelJson: unknown; weightData: ArrayBuffer; run: RunProgress; at: number } | undefined;
const SNAPSHOT_MS = 10_000;
/** Set when the GPU device is lost: the run in progress stops and recovers. */
let deviceLoss: DeviceLoss | undefined;

/** Backends whose device can be lost under us (on the CPU ones there is nothing to recover). */
const onGpu = () => backendName === 'webgpu' || backendName === 'webgl';

function copyProgress(run: RunProgress): RunProgress {
  return JSON.parse(JSON.stringify(run)) as RunProgress;
}

/** Reads the weights back now, with the run's progress at this point. */
async function snapshot(): Promise<void> {
  if (!runner || !runProgress) return;
  const run = copyProgress(runProgress); // read together: the weights are taken before the first await
  const { modelJson, weightData } = await runner.checkpoint();
  lastGood = { modelJson, weightData, run, at: Date.now() };
}

function onDeviceLost(loss: DeviceLoss): void {
  deviceLoss = loss;
  if (activeTrain !== undefined) {
    runner?.cancel(); // ends the run after the step in flight (whose read-back may fail instead); train() recovers
    return;
  }
  // Idle: recover now, after the request in progress (if any), before any request sent after.
  queue.after(recoverIdle, (err: unknown) => {
    post({ type: 'error', runId: queue.currentRunId, message: `Starting again after the lost GPU device failed: ${messageOf(err)}. Reload the page.` });
  });
}

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

/** Posts a streamed message of the active train, unless its run is over. */
function stream(make: (ids: { runId: number; reqId: number }) => FromWorker, transfer: Transferable[] = []): void {
  if (activeTrain === undefined || activeTrain.runId !== queue.currentRunId) return;
  post(make(activeTrain), transfer);
}

const events: RunnerEvents = {
  onStep: async (report) => {
    if (deviceLoss) return; // this step's results are gone with the device
    if (runProgress) runProgress.current = { stage: report.stage, step: report.step };
    stream((ids) => ({ type: 'step', ...ids, report }));
    if (onGpu() && (lastGood === undefined || Date.now() - lastGood.at >= SNAPSHOT_MS)) await snapshot();
  },
  onPreview: (maps) => {
    if (!deviceLoss) stream((ids) => ({ type: 'preview', ...ids, maps }), previewBuffers(maps));
  },
  onStageStart: (start) => {
    if (!deviceLoss) stream((ids) => ({ type: 'stageStart', ...ids, start }));
  },
  onStageEnd: async (end) => {
    if (deviceLoss) return; // not the end of the stage: training goes on after recovery
    if (runProgress && end.reason === 'done') {
      runProgress.done.push(end.stage);
      runProgress.current = undefined;
    }
    stream((ids) => ({ type: 'stageEnd', ...ids, end }));
    if (onGpu() && end.reason === 'done') await snapshot();
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
  runnerSettings = undefined;
  runProgress = undefined;
  lastGood = undefined;
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

/**
 * The settings a train request runs with: its own, with its run-only time budget in place of
 * theirs. The runner trains with these; checkpoints keep the request's settings (`runnerSettings`).
 */
function runSettingsOf(msg: TrainRequest): TrainSettings {
  return msg.budgetSeconds !== undefined ? { ...msg.settings, budgetSeconds: msg.budgetSeconds } : msg.settings;
}

async function train(msg: TrainRequest): Promise<FromWorker> {
  if (!ready) throw new Error('train: the worker has no backend yet (send init first)');
  const stages = STAGE_NAMES.filter((s) => msg.stages.includes(s));
  if (stages.length === 0) throw new Error('train: choose at least one stage');
  if (scenes.length === 0) throw new Error('train: no stereo pairs to train on (add at least one pair)');
  const { preset, seed } = msg.settings;
  let freshWeights = false;
  if (runner && (runnerSettings?.preset !== preset || runnerSettings.seed !== seed)) disposeRunner();
  if (runner) {
    runner.setSettings(runSettingsOf(msg));
  } else {
    runner = new Runner(scenes, runSettingsOf(msg), events);
    freshWeights = true;
  }
  runnerSettings = msg.settings;
  wantPaused = false;
  if (known(previewSceneId)) runner.setPreviewScene(previewSceneId);
  resetRequested = false;
  activeTrain = { runId: msg.runId, reqId: msg.reqId };
  const from = msg.from !== undefined && msg.from.stage === stages[0] ? msg.from : undefined;
  runProgress = { stages, done: [], ...(from ? { current: { ...from } } : {}) };
  stream((ids) => ({ type: 'trainStart', ...ids, freshWeights, stages, ...(from ? { from } : {}) }));
  const ends: StageEnd[] = [];
  try {
    lastGood = undefined;
    if (onGpu()) await snapshot();
    let left: { stages: typeof stages; from?: typeof from } = { stages, from };
    for (;;) {
      let got: StageEnd[] = [];
      let failure: unknown;
      try {
        got = await runner.run(left.stages, left.from, { paused: wantPaused });
      } catch (err) {
        failure = err;
        // A read-back on a lost device can fail before the loss itself is reported (seen here
        // ~1-2 s later, SwiftShader under load), so give it time.
        if (deviceLoss === undefined && onGpu()) await lostWithin(10_000);
      }
      if (deviceLoss === undefined) {
        if (failure !== undefined) throw failure;
        ends.push(...got);
        break;
      }
      // Stages finished before the loss and inside the last snapshot stay finished.
      ends.push(...got.filter((e) => e.reason === 'done' && lastGood?.run.done.includes(e.stage)));
      left = await recover(msg);
    }
    // The weights as the run left them, for a device lost while idle (best effort: a loss now is recovered idle).
    if (onGpu() && runner && !resetRequested && deviceLoss === undefined) await snapshot().catch(() => undefined);
  } finally {
    activeTrain = undefined;
    runner?.setSettings(msg.settings); // a run-only budget ends with its run
  }
  const reset = resetRequested;
  if (reset) disposeRunner();
  resetRequested = false;
  return { type: 'trainEnd', runId: msg.runId, reqId: msg.reqId, ends, reset, trainer: summary() };
}

/** After `lostOn` lost its device (every tensor already dropped): tfjs on a fresh device or the next backend, warmed up and watched. */
async function restartAfterLoss(lostOn: BackendName): Promise<{ backend: BackendName; reasons: string[] }> {
  let restarted: { backend: BackendName; reasons: string[] };
  try {
    restarted = await restartBackend(lostOn);
  } finally {
    deviceLoss = undefined;
  }
  backendName = restarted.backend;
  await warmUp();
  watchDeviceLoss(onDeviceLost);
  return restarted;
}

/** Steps done after the snapshot `from` and lost at `atLoss` (the snapshot took a stage end when `from` is absent). */
function stepsRedone(atLoss: RunProgress['current'], from: RunProgress['current']): number {
  if (atLoss === undefined) return 0;
  if (from === undefined) return atLoss.step;
  return atLoss.stage === from.stage ? Math.max(0, atLoss.step - from.step) : 0;
}

/**
 * After a lost device: reports it, restarts tfjs on a fresh device (or the next backend),
 * rebuilds the networks from the last snapshot and returns what is left of the run.
 */
async function recover(msg: TrainRequest): Promise<{ stages: TrainRequest['stages']; from?: { stage: TrainRequest['stages'][number]; step: number } }> {
  const loss = deviceLoss!;
  const lostOn = backendName ?? 'webgpu';
  const stepsAtLoss = runProgress?.current;
  stream((ids) => ({ type: 'backendLost', ...ids, backend: lostOn, reason: loss.reason, message: loss.message }));
  const saved = lastGood;
  // Every tensor lived on the lost device: drop them all (the snapshot is plain memory).
  runner?.dispose();
  runner = undefined;
  if (saved === undefined) {
    deviceLoss = undefined;
    throw new Error(`${gpuResource(lostOn)} was lost (${loss.reason}: ${loss.message}) before any weights were saved; press Train to start again.`);
  }
  const restarted = await restartAfterLoss(lostOn);
  const loaded = await runnerFromModel(saved.modelJson, saved.weightData, () => scenes, msg.settings, events);
  runner = loaded.runner;
  runner.setSettings(runSettingsOf(msg)); // the rest of the run keeps its budget
  runnerSettings = msg.settings;
  if (known(previewSceneId)) runner.setPreviewScene(previewSceneId);
  runProgress = copyProgress(saved.run);
  const left = remainingOf(saved.run);
  const lostSteps = stepsRedone(stepsAtLoss, left.from);
  stream((ids) => ({ type: 'backendRestored', ...ids, backend: restarted.backend, reasons: restarted.reasons, ...(left.from ? { from: left.from } : {}), lostSteps }));
  return left;
}

/**
 * After a device lost while no training ran: says so, restarts tfjs on a fresh device (or the
 * next backend) and rebuilds the networks from the last weights read back, so the app goes on as
 * if nothing happened. Runs on the queue: requests sent meanwhile wait for it.
 */
async function recoverIdle(): Promise<void> {
  const loss = deviceLoss;
  if (loss === undefined) return; // a train already recovered from it
  const runId = queue.currentRunId;
  const lostOn = backendName ?? 'webgpu';
  post({ type: 'deviceLost', runId, backend: lostOn, reason: loss.reason, message: loss.message });
  const hadWeights = runner !== undefined;
  const saved = lastGood;
  const settings = runnerSettings;
  const run = runProgress;
  // Every tensor lived on the lost device: drop them (the snapshot is plain memory).
  runner?.dispose();
  runner = undefined;
  ready = false;
  let restarted: { backend: BackendName; reasons: string[] };
  try {
    restarted = await restartAfterLoss(lostOn);
  } catch (err) {
    disposeRunner();
    post({ type: 'error', runId, message: `${gpuResource(lostOn)} was lost and no backend could be started again: ${messageOf(err)}. Reload the page.` });
    return;
  }
  ready = true;
  let weights: 'restored' | 'lost' | 'none' = hadWeights ? 'lost' : 'none';
  let problem: string | undefined;
  if (hadWeights && saved && settings) {
    try {
      const loaded = await runnerFromModel(saved.modelJson, saved.weightData.slice(0), () => scenes, settings, events);
      runner = loaded.runner;
      runProgress = run ?? loaded.run;
      if (known(previewSceneId)) runner.setPreviewScene(previewSceneId);
      weights = 'restored';
    } catch (err) {
      problem = messageOf(err);
    }
  } else if (hadWeights) {
    problem = 'no copy of them had been read back';
  }
  if (weights === 'lost') disposeRunner();
  post({ type: 'deviceRestored', runId, backend: restarted.backend, reasons: restarted.reasons, weights, ...(problem !== undefined ? { problem } : {}) });
}

async function handle(msg: ToWorker): Promise<FromWorker> {
  const ids = { runId: msg.runId, reqId: msg.reqId };
  switch (msg.type) {
    case 'init': {
      ready = false;
      disposeRunner(); // weights live on the old backend
      // The wasm module reads its thread count once, when it first starts; later inits keep it.
      if (wasmPlan === undefined) {
        wasmPlan = planWasmThreads(scope.navigator.hardwareConcurrency, msg.wasmThreads, msg.step);
        applyWasmThreads(wasmPlan.threads);
      }
      // our own kernels, before any backend runs an op (once; later inits find them registered)
      registerWasmKernels();
      registerWebgpuKernels();
      const choice = await selectBackend(msg.backend);
      backendName = choice.backend;
      const warmupMs = await warmUp();
      watchDeviceLoss(onDeviceLost);
      ready = true;
      const wasmThreads = choice.backend === 'wasm' ? getThreadsCount() : undefined;
      const threads = wasmThreads !== undefined ? { wasmThreads, wasmThreadsNote: wasmPlan.note, wasmConvThreads: nativeThreads() } : {};
      return { type: 'ready', ...ids, ...choice, warmupMs, crossOriginIsolated: scope.crossOriginIsolated, ...threads };
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
      const meta = (modelJson as { userDefinedMetadata: Record<string, unknown> }).userDefinedMetadata;
      if (run) meta.run = run;
      // saved with the user's settings: a run-only budget (Adapt) is not theirs to keep
      if (runnerSettings) meta.settings = { ...(meta.settings as TrainSettings), budgetSeconds: runnerSettings.budgetSeconds };
      // The buffer goes to the page (transferred): keep a copy for recovery.
      if (run && onGpu() && activeTrain !== undefined) lastGood = { modelJson: JSON.parse(JSON.stringify(modelJson)) as unknown, weightData: weightData.slice(0), run: copyProgress(run), at: Date.now() };
      return { type: 'checkpointResult', ...ids, modelJson, weightData, ...(run ? { run } : {}) };
    }
    case 'loadModel': {
      if (!ready) throw new Error('loadModel: the worker has no backend yet (send init first)');
      // Built and checked beside the current runner, which is only replaced on success. On a GPU
      // backend the weights are kept as they came (plain memory), for a device lost while idle. The
      // pairs are read once the weights are in: a setScenes answered during the import is not lost.
      const kept = onGpu() ? { modelJson: JSON.parse(JSON.stringify(msg.modelJson)) as unknown, weightData: msg.weightData.slice(0) } : undefined;
      const loaded = await runnerFromModel(msg.modelJson, msg.weightData, () => scenes, msg.settings, events);
      disposeRunner();
      runner = loaded.runner;
      runnerSettings = msg.settings;
      runProgress = loaded.run;
      if (kept) lastGood = { ...kept, run: copyProgress(loaded.run ?? { stages: [], done: [] }), at: Date.now() };
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
      wantPaused = true;
      runner?.pause();
      return undefined;
    case 'resume':
      wantPaused = false;
      runner?.resume();
      return undefined;
    case 'cancel':
      runner?.cancel();
      return undefined;
    case 'loseDevice':
      return loseDevice() ?? 'not on a GPU backend: nothing to lose';
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

const queue = new RequestQueue(handle, post, () => runner?.cancel());
scope.onmessage = (ev: MessageEvent<ToWorker>) => queue.receive(ev.data);
