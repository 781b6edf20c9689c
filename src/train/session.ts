// What the training worker trains on and with: the pairs and the preview pair the page sent; the
// runner (the networks and their optimiser state) with the settings it was built or last trained
// with; where its run stands (saved with checkpoints, so a run can be resumed); and, on a GPU
// backend, the last weights read back, which a lost device is recovered from (./recovery.ts).
// The requests that use them are its methods: src/train/worker.ts routes each request here, and
// ./requestQueue.ts decides when it runs (a `train` can be served beside `predict`, `checkpoint`
// and the requests answered at once, so the methods keep the state consistent at every await).
import * as tf from '@tensorflow/tfjs';
import { STAGE_NAMES, type TrainSettings } from '../config/settings';
import type { Device } from './device';
import { runnerFromModel, type RunProgress } from './modelLoad';
import { previewBuffers, type CheckpointReply, type ControlAction, type FromWorker, type LoadModelRequest, type ModelLoadedReply, type TrainEndReply, type TrainerSummary, type TrainRequest } from './protocol';
import { copyProgress, loseDevice, lostWithin, recoverDevice, type Snapshot } from './recovery';
import { Runner } from './runner';
import type { PreviewMaps, RunnerEvents, StageEnd, TrainScene } from './types';

/** Where the session's messages go: to the page, for the current run (streamed messages of an older one are dropped). */
export interface Outbox {
  post(msg: FromWorker, transfer?: Transferable[]): void;
  /** Run id of the last accepted `init`. */
  runId(): number;
}

/** A snapshot is taken at the start of a run, at each stage end, with each checkpoint asked for during a run (autosave) and at least this often. */
const SNAPSHOT_MS = 10_000;

/**
 * The settings a train request runs with: its own, with its run-only time budget in place of
 * theirs. The runner trains with these; checkpoints keep the request's settings (`settings`).
 */
function runSettingsOf(msg: TrainRequest): TrainSettings {
  return msg.budgetSeconds !== undefined ? { ...msg.settings, budgetSeconds: msg.budgetSeconds } : msg.settings;
}

export class Session {
  /** Training data as the page sent it (the runner uploads its own tensors). */
  scenes: TrainScene[] = [];
  private previewSceneId: string | undefined;
  runner: Runner | undefined;
  /** The settings the runner was built or last trained with (its preset and seed decide the weights). */
  settings: TrainSettings | undefined;
  /** Where the current weights' run stands (saved with checkpoints, so a run can be resumed). */
  progress: RunProgress | undefined;
  /** The last weights read back on a GPU backend, with where the run stood then: what a lost device is recovered from. */
  lastGood: Snapshot | undefined;
  /** The user's pause (kept apart from the runner, which a lost device replaces). */
  private wantPaused = false;
  /** The train request being served: streamed messages carry its ids. */
  private active: { runId: number; reqId: number } | undefined;
  private resetRequested = false;
  /** What the runner reports, streamed to the page; on a GPU backend the weights are read back as it goes. */
  readonly events: RunnerEvents;

  constructor(
    readonly device: Device,
    readonly out: Outbox,
  ) {
    this.events = {
      onStep: async (report) => {
        if (device.loss) return; // this step's results are gone with the device
        if (this.progress) this.progress.current = { stage: report.stage, step: report.step };
        this.stream((ids) => ({ type: 'step', ...ids, report }));
        if (device.onGpu && (this.lastGood === undefined || Date.now() - this.lastGood.at >= SNAPSHOT_MS)) await this.snapshot();
      },
      onPreview: (maps) => {
        if (!device.loss) this.stream((ids) => ({ type: 'preview', ...ids, maps }), previewBuffers(maps));
      },
      onStageStart: (start) => {
        if (!device.loss) this.stream((ids) => ({ type: 'stageStart', ...ids, start }));
      },
      onStageEnd: async (end) => {
        if (device.loss) return; // not the end of the stage: training goes on after recovery
        if (this.progress && end.reason === 'done') {
          this.progress.done.push(end.stage);
          this.progress.current = undefined;
        }
        this.stream((ids) => ({ type: 'stageEnd', ...ids, end }));
        if (device.onGpu && end.reason === 'done') await this.snapshot();
      },
    };
  }

  /** A train is being served (a device lost now is recovered inside it). */
  get training(): boolean {
    return this.active !== undefined;
  }

  /** Posts a streamed message of the active train, unless its run is over. */
  stream(make: (ids: { runId: number; reqId: number }) => FromWorker, transfer: Transferable[] = []): void {
    if (this.active === undefined || this.active.runId !== this.out.runId()) return;
    this.out.post(make(this.active), transfer);
  }

  summary(): TrainerSummary {
    return {
      state: this.runner === undefined ? 'none' : this.runner.state,
      completed: this.runner ? [...this.runner.completed] : [],
      sceneCount: this.scenes.length,
    };
  }

  /** Takes `runner` as the session's networks, built or trained with `settings`, its run at `progress`. */
  install(runner: Runner, settings: TrainSettings, progress: RunProgress | undefined): void {
    this.runner = runner;
    this.settings = settings;
    this.progress = progress;
    if (this.known(this.previewSceneId)) runner.setPreviewScene(this.previewSceneId);
  }

  /** Drops the runner's tensors (a lost device took them); its settings, progress and snapshot stay. */
  dropRunner(): void {
    this.runner?.dispose();
    this.runner = undefined;
  }

  /** Drops the networks and all that goes with them. */
  dispose(): void {
    this.dropRunner();
    this.settings = undefined;
    this.progress = undefined;
    this.lastGood = undefined;
  }

  /** Ends a running train after its current step (a new run, or a lost device). */
  cancel(): void {
    this.runner?.cancel();
  }

  /** Whether the runner's scenes hold `sceneId` (the runner fails a preview of an unknown pair). */
  private known(sceneId: string | undefined): sceneId is string {
    return sceneId !== undefined && this.scenes.some((s) => s.id === sceneId);
  }

  /** Reads the weights back now, with the run's progress at this point. */
  private async snapshot(): Promise<void> {
    if (!this.runner || !this.progress) return;
    const run = copyProgress(this.progress); // read together: the weights are taken before the first await
    const { modelJson, weightData } = await this.runner.checkpoint();
    this.lastGood = { modelJson, weightData, run, at: Date.now() };
  }

  /**
   * `train`: the stages asked for, from the current weights (new networks when there are none or the
   * network size or seed changed). A lost device is recovered here (recoverDevice) and the run goes on.
   */
  async train(msg: TrainRequest): Promise<TrainEndReply> {
    if (!this.device.ready) throw new Error('train: the worker has no backend yet (send init first)');
    const stages = STAGE_NAMES.filter((s) => msg.stages.includes(s));
    if (stages.length === 0) throw new Error('train: choose at least one stage');
    if (this.scenes.length === 0) throw new Error('train: no stereo pairs to train on (add at least one pair)');
    const { preset, seed } = msg.settings;
    let freshWeights = false;
    if (this.runner && (this.settings?.preset !== preset || this.settings.seed !== seed)) this.dispose();
    if (this.runner) {
      this.runner.setSettings(runSettingsOf(msg));
    } else {
      this.runner = new Runner(this.scenes, runSettingsOf(msg), this.events);
      freshWeights = true;
    }
    this.settings = msg.settings;
    this.wantPaused = false;
    if (this.known(this.previewSceneId)) this.runner.setPreviewScene(this.previewSceneId);
    this.resetRequested = false;
    this.active = { runId: msg.runId, reqId: msg.reqId };
    const from = msg.from !== undefined && msg.from.stage === stages[0] ? msg.from : undefined;
    this.progress = { stages, done: [], ...(from ? { current: { ...from } } : {}) };
    this.stream((ids) => ({ type: 'trainStart', ...ids, freshWeights, stages, ...(from ? { from } : {}) }));
    const ends: StageEnd[] = [];
    try {
      this.lastGood = undefined;
      if (this.device.onGpu) await this.snapshot();
      let left: { stages: typeof stages; from?: typeof from } = { stages, from };
      for (;;) {
        let got: StageEnd[] = [];
        let failure: unknown;
        try {
          got = await this.runner.run(left.stages, left.from, { paused: this.wantPaused });
        } catch (err) {
          failure = err;
          // A read-back on a lost device can fail before the loss itself is reported (seen here
          // ~1-2 s later, SwiftShader under load), so give it time.
          if (this.device.loss === undefined && this.device.onGpu) await lostWithin(10_000);
        }
        const loss = this.device.loss;
        if (loss === undefined) {
          if (failure !== undefined) throw failure;
          ends.push(...got);
          break;
        }
        // Stages finished before the loss and inside the last snapshot stay finished.
        ends.push(...got.filter((e) => e.reason === 'done' && this.lastGood?.run.done.includes(e.stage)));
        left = await recoverDevice(this, loss, msg);
        this.runner.setSettings(runSettingsOf(msg)); // the networks rebuilt: the rest of the run keeps its budget
      }
      // The weights as the run left them, for a device lost while idle (best effort: a loss now is recovered idle).
      if (this.device.onGpu && this.runner && !this.resetRequested && this.device.loss === undefined) await this.snapshot().catch(() => undefined);
    } finally {
      this.active = undefined;
      this.runner?.setSettings(msg.settings); // a run-only budget ends with its run
    }
    const reset = this.resetRequested;
    if (reset) this.dispose();
    this.resetRequested = false;
    return { type: 'trainEnd', runId: msg.runId, reqId: msg.reqId, ends, reset, trainer: this.summary() };
  }

  /**
   * `predict`: the maps of one pair at its full size, from the current weights; refined at full resolution (settings
   * matchRefine, edgeRefine) unless a train runs, where it would hold the training up for seconds (src/train/predict.ts).
   */
  async predict(sceneId: string): Promise<PreviewMaps> {
    if (!this.runner) throw new Error('predict: no trained networks yet (press Train first)');
    return this.runner.predict(sceneId, 1, !this.training);
  }

  /** `checkpoint`: the current weights, with where their run stands. */
  async checkpoint(): Promise<Pick<CheckpointReply, 'modelJson' | 'weightData' | 'run'>> {
    if (!this.runner) throw new Error('checkpoint: no trained networks yet (press Train first)');
    // Read together: the weights are snapshotted before checkpoint() first awaits.
    const run = this.progress ? copyProgress(this.progress) : undefined;
    const { modelJson, weightData } = await this.runner.checkpoint();
    const meta = (modelJson as { userDefinedMetadata: Record<string, unknown> }).userDefinedMetadata;
    if (run) meta.run = run;
    // saved with the user's settings: a run-only budget (Adapt) is not theirs to keep
    if (this.settings) meta.settings = { ...(meta.settings as TrainSettings), budgetSeconds: this.settings.budgetSeconds };
    // The buffer goes to the page (transferred): keep a copy for recovery.
    if (run && this.device.onGpu && this.active !== undefined) this.lastGood = { modelJson: JSON.parse(JSON.stringify(modelJson)) as unknown, weightData: weightData.slice(0), run: copyProgress(run), at: Date.now() };
    return { modelJson, weightData, ...(run ? { run } : {}) };
  }

  /** `loadModel`: the networks of a saved model in place of the current ones, which stay on any problem. */
  async loadModel(msg: LoadModelRequest): Promise<Pick<ModelLoadedReply, 'trainer' | 'numTensors' | 'run'>> {
    if (!this.device.ready) throw new Error('loadModel: the worker has no backend yet (send init first)');
    // Built and checked beside the current runner, which is only replaced on success. On a GPU
    // backend the weights are kept as they came (plain memory), for a device lost while idle. The
    // pairs are read once the weights are in: a setScenes answered during the import is not lost.
    const kept = this.device.onGpu ? { modelJson: JSON.parse(JSON.stringify(msg.modelJson)) as unknown, weightData: msg.weightData.slice(0) } : undefined;
    const loaded = await runnerFromModel(msg.modelJson, msg.weightData, () => this.scenes, msg.settings, this.events);
    this.dispose();
    this.install(loaded.runner, msg.settings, loaded.run);
    if (kept) this.lastGood = { ...kept, run: copyProgress(loaded.run ?? { stages: [], done: [] }), at: Date.now() };
    return { trainer: this.summary(), numTensors: tf.memory().numTensors, ...(loaded.run ? { run: loaded.run } : {}) };
  }

  /** `setScenes`: the pairs to train on. Returns a note for the page, if any. */
  setScenes(scenes: TrainScene[]): string | undefined {
    // A running runner takes the new scenes at its next step.
    const note = this.runner !== undefined && this.runner.state !== 'idle' ? 'the new pairs join the training from the next step' : undefined;
    this.scenes = scenes;
    this.runner?.setScenes(scenes);
    if (this.known(this.previewSceneId)) this.runner?.setPreviewScene(this.previewSceneId);
    return note;
  }

  /** `previewScene`: the pair the previews show. Returns a note for the page, if any. */
  previewScene(sceneId: string): string | undefined {
    this.previewSceneId = sceneId;
    if (!this.known(sceneId)) return `pair "${sceneId}" is not in the training data yet`;
    this.runner?.setPreviewScene(sceneId);
    return undefined;
  }

  /** `control`: pause, resume, cancel, reset, or lose the GPU device (for tests). Returns a note for the page, if any. */
  control(action: ControlAction): string | undefined {
    switch (action) {
      case 'pause':
        this.wantPaused = true;
        this.runner?.pause();
        return undefined;
      case 'resume':
        this.wantPaused = false;
        this.runner?.resume();
        return undefined;
      case 'cancel':
        this.runner?.cancel();
        return undefined;
      case 'loseDevice':
        return loseDevice() ?? 'not on a GPU backend: nothing to lose';
      case 'reset':
        if (this.runner?.state === 'idle') this.dispose();
        else if (this.runner) {
          this.resetRequested = true; // the run ends after its current step, then the weights go
          this.runner.cancel();
        }
        return undefined;
    }
  }
}
