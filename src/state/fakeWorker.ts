// Test helper: a stand-in for the training worker that speaks the protocol with no tfjs, so the
// client and the store can be tested in Node. Training "steps" are timer ticks; previews are
// ramps; pause, resume, cancel and reset behave like the real worker's.
import { STAGE_NAMES, stageBudgets, stageMakesLabels, stageSteps, type StageName, type TrainSettings } from '../config/settings';
import type { WorkerLike } from '../train/client';
import type { ModelJson } from '../model/format';
import type { RunProgress } from '../train/runProgress';
import type { FromWorker, StartPoint, ToWorker, TrainerSummary } from '../train/protocol';
import type { PreviewMaps, StageEnd, TrainScene } from '../train/types';

export class FakeWorker implements WorkerLike {
  onmessage: ((ev: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  onmessageerror: ((ev: MessageEvent) => void) | null = null;
  /** Every message received, in order. */
  readonly received: ToWorker[] = [];
  scenes: TrainScene[] = [];
  previewSceneId?: string;
  hasNets = false;
  completed: StageName[] = [];
  state: TrainerSummary['state'] = 'none';
  /** Milliseconds per fake step. */
  stepMs = 1;
  /** Milliseconds a predict takes; another request meanwhile is refused as busy, as the worker does. */
  predictMs = 0;
  private predictBusy = false;
  /** Scenes predicted, in order. */
  readonly predicted: string[] = [];
  /** Bumped by every fake step: checkpoints carry it as their "weights". */
  weightsVersion = 0;
  checkpoints = 0;
  /** Models given with loadModel, in order; `failLoad` makes the next ones fail with that message. */
  readonly loaded: unknown[] = [];
  failLoad?: string;
  run?: RunProgress;
  /** A real model.json + weights that checkpoints return (with the fake progress); else a stand-in. */
  model?: { modelJson: ModelJson; weightData: ArrayBuffer };
  /** The settings of the last train or loadModel. */
  settings?: TrainSettings;
  private cancelled = false;
  private resetAsked = false;
  private resumeWaiters: (() => void)[] = [];

  postMessage(msg: ToWorker): void {
    this.received.push(msg);
    setTimeout(() => void this.handle(msg), 0);
  }

  terminate(): void {}

  /** Sends a message to the page as the worker would. */
  emit(msg: FromWorker): void {
    this.onmessage?.({ data: msg } as MessageEvent<FromWorker>);
  }

  private isPaused(): boolean {
    return this.state === 'paused';
  }

  private summary(): TrainerSummary {
    return { state: this.hasNets ? this.state : 'none', completed: [...this.completed], sceneCount: this.scenes.length };
  }

  maps(sceneId: string): PreviewMaps {
    const s = this.scenes.find((x) => x.id === sceneId) ?? this.scenes[0];
    const n = s.width * s.height;
    const ramp = () => Float32Array.from({ length: n }, (_, i) => 1 + (i % s.width) / 4);
    return { sceneId: s.id, width: s.width, height: s.height, stereoDisp: ramp(), singleDisp: ramp(), occlusion: new Float32Array(n).fill(0), fusedDisp: ramp() };
  }

  private async handle(msg: ToWorker): Promise<void> {
    const ids = { runId: msg.runId, reqId: msg.reqId };
    const ack = () => this.emit({ type: 'ack', ...ids, trainer: this.summary() });
    switch (msg.type) {
      case 'init':
        [this.hasNets, this.run] = [false, undefined];
        return this.emit({ type: 'ready', ...ids, backend: 'cpu', reasons: [], warmupMs: 1, crossOriginIsolated: false });
      case 'selftest':
        return this.emit({ type: 'error', ...ids, message: 'selftest: not in the fake worker' });
      case 'setScenes':
        this.scenes = msg.scenes;
        return ack();
      case 'previewScene':
        this.previewSceneId = msg.sceneId;
        return ack();
      case 'predict':
        if (!this.hasNets) return this.emit({ type: 'error', ...ids, message: 'predict: no trained networks yet' });
        if (this.predictBusy) return this.emit({ type: 'error', ...ids, message: "busy: 'predict' refused while another request runs" });
        this.predictBusy = true;
        await new Promise((r) => setTimeout(r, this.predictMs));
        this.predictBusy = false;
        this.predicted.push(msg.sceneId);
        return this.emit({ type: 'predictResult', ...ids, maps: this.maps(msg.sceneId) });
      case 'checkpoint': {
        if (!this.hasNets) return this.emit({ type: 'error', ...ids, message: 'checkpoint: no trained networks yet' });
        this.checkpoints++;
        const run = this.run ? structuredClone(this.run) : undefined;
        const meta = { completedStages: [...this.completed], settings: this.settings, ...(run ? { run } : {}) };
        if (this.model) {
          // A real model.json and weights; the first weight carries the fake step count.
          const weightData = this.model.weightData.slice(0);
          new Float32Array(weightData)[0] = this.weightsVersion;
          const modelJson = { ...this.model.modelJson, userDefinedMetadata: { ...this.model.modelJson.userDefinedMetadata, ...meta } };
          return this.emit({ type: 'checkpointResult', ...ids, modelJson, weightData, ...(run ? { run } : {}) });
        }
        const modelJson = { fake: true, userDefinedMetadata: meta };
        return this.emit({ type: 'checkpointResult', ...ids, modelJson, weightData: new Float32Array([this.weightsVersion]).buffer, ...(run ? { run } : {}) });
      }
      case 'loadModel': {
        const meta = (msg.modelJson as { userDefinedMetadata?: { completedStages?: StageName[]; run?: RunProgress } } | null)?.userDefinedMetadata;
        if (this.failLoad) return this.emit({ type: 'error', ...ids, message: this.failLoad });
        [this.hasNets, this.state, this.completed] = [true, 'idle', [...(meta?.completedStages ?? [])]];
        this.weightsVersion = new Float32Array(msg.weightData)[0] ?? 0;
        this.settings = msg.settings;
        this.run = meta?.run;
        this.loaded.push(msg.modelJson);
        return this.emit({ type: 'modelLoaded', ...ids, trainer: this.summary(), numTensors: 10, ...(this.run ? { run: this.run } : {}) });
      }
      case 'control':
        if (msg.action === 'pause' && this.state === 'running') this.state = 'paused';
        if (msg.action === 'resume' || msg.action === 'cancel' || msg.action === 'reset') {
          if (this.state === 'paused') this.state = 'running';
          for (const w of this.resumeWaiters.splice(0)) w();
        }
        if (msg.action === 'cancel') this.cancelled = true;
        if (msg.action === 'reset') {
          if (this.state === 'idle' || this.state === 'none') this.hasNets = false;
          else [this.cancelled, this.resetAsked] = [true, true];
        }
        return ack();
      case 'train':
        return this.train(msg.settings, msg.stages, ids, msg.from, msg.budgetSeconds);
    }
  }

  /** Like the runner: with a time budget (run-only, or the settings') each stage runs for its share of it in wall-clock time. */
  private async train(settings: TrainSettings, stages: StageName[], ids: { runId: number; reqId: number }, from?: StartPoint, runBudget?: number): Promise<void> {
    const fresh = !this.hasNets;
    this.settings = settings;
    this.hasNets = true;
    this.state = 'running';
    this.cancelled = false;
    this.resetAsked = false;
    const run = STAGE_NAMES.filter((s) => stages.includes(s));
    this.run = { stages: run, done: [], ...(from ? { current: { ...from } } : {}) };
    this.emit({ type: 'trainStart', ...ids, freshWeights: fresh, stages: run, ...(from ? { from } : {}) });
    const ends: StageEnd[] = [];
    const budgets = stageBudgets({ budgetSeconds: runBudget ?? settings.budgetSeconds }, run);
    for (const stage of run) {
      const budgetMs = budgets ? budgets[stage]! * 1000 : undefined;
      const t0 = Date.now();
      const left = () => (budgetMs !== undefined ? Math.max(0, budgetMs - (Date.now() - t0)) : 0);
      const steps = budgetMs !== undefined ? Number.MAX_SAFE_INTEGER : stageSteps(settings, stage);
      let step = from?.stage === stage ? from.step : 0;
      // like the runner: stages 2 and 3 first make their teachers' labels
      this.emit({ type: 'stageStart', ...ids, start: { stage, labels: step < steps && stageMakesLabels(stage, settings) } });
      while (step < steps && !this.cancelled && (budgetMs === undefined || left() > 0)) {
        while (this.isPaused() && !this.cancelled) await new Promise<void>((r) => this.resumeWaiters.push(r));
        if (this.cancelled) break;
        await new Promise((r) => setTimeout(r, this.stepMs));
        step++;
        this.weightsVersion++;
        this.run.current = { stage, step };
        const budget = budgetMs !== undefined ? { steps: Math.max(step, Math.round((step * budgetMs) / Math.max(1, Date.now() - t0))), etaSec: left() / 1000, budgetSec: budgetMs / 1000 } : { steps, etaSec: (steps - step) / 100 };
        this.emit({ type: 'step', ...ids, report: { stage, step, losses: { total: 1 / step, photo: 0.5 / step }, stepsPerSec: 100, memory: { numTensors: 10, numBytes: 100 }, ...budget } });
        if (step % settings.previewEvery === 0) this.emit({ type: 'preview', ...ids, maps: this.maps(this.previewSceneId ?? this.scenes[0].id) });
      }
      const end: StageEnd = { stage, steps: step, reason: (budgetMs === undefined ? step < steps : this.cancelled) ? 'cancelled' : 'done' };
      ends.push(end);
      if (end.reason === 'done') {
        this.completed.push(stage);
        this.run.done.push(stage);
        this.run.current = undefined;
      }
      this.emit({ type: 'stageEnd', ...ids, end });
      if (this.cancelled) break;
    }
    this.state = 'idle';
    const reset = this.resetAsked;
    if (reset) [this.hasNets, this.completed] = [false, []];
    this.emit({ type: 'trainEnd', ...ids, ends, reset, trainer: this.summary() });
  }
}
