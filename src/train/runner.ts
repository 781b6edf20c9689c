// Sequences the three stages on a set of scenes: all three, or any of them starting from the
// current (or loaded) weights; pause, resume, cancel; a step budget per stage from the settings.
// Used by the worker and by the CLI alike. It awaits between steps, so a worker can handle
// messages (pause, cancel) while it trains.
import * as tf from '@tensorflow/tfjs';
import { STAGE_NAMES, stageBudgets, stageSteps, type StageName, type TrainSettings } from '../config/settings';
import { disparityMetrics } from '../core/metrics';
import { exportModel, type Networks } from '../model/io';
import { singleNetConfig, stereoNetConfig } from '../model/config';
import { buildSingleNet, type SingleNet } from '../model/singleNet';
import { buildStereoNet, type StereoNet } from '../model/stereoNet';
import { wasmMemoryProblem } from './memory';
import { CropSampler, uploadScene, type SceneTensors } from './pipeline';
import { NO_REFINEMENT, predictAnswer, predictMaps } from './predict';
import { PreviewSchedule } from './previewSchedule';
import { distillStage, fuseStage, stereoStage, type StageUnit } from './stages/units';
import type { PreviewMaps, RunnerEvents, SceneMetrics, StageEnd, TrainScene } from './types';

export type RunnerState = 'idle' | 'running' | 'paused';

/** Lets queued messages and timers run between steps. */
const yieldToEvents = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export class Runner {
  private scenes: SceneTensors[] = [];
  private stereo: StereoNet;
  private single: SingleNet;
  private _state: RunnerState = 'idle';
  private cancelled = false;
  private resumeWaiters: (() => void)[] = [];
  private previewSceneId?: string;
  private currentStage?: StageName;
  /** The last preview sent: which pair, after which step, at what scale (1 = full resolution). */
  private lastPreview?: { sceneId: string; stage: StageName; step: number; scale: number };
  /** Preview cost per pixel measured by earlier stages (ms), so a stage's first preview picks its scale from it. */
  private previewMsPerPixel?: number;
  /** Whether SingleNet came with loaded weights (so its maps mean something before stage 2). */
  singleLoaded = false;
  /** Stages finished with this runner's weights, in order (saved with checkpoints). */
  readonly completed: StageName[] = [];

  constructor(scenes: TrainScene[], private settings: TrainSettings, private readonly events: RunnerEvents = {}, nets: Networks = {}) {
    this.stereo = nets.stereo ?? buildStereoNet(stereoNetConfig(settings.preset, { seed: settings.seed }));
    this.single = nets.single ?? buildSingleNet(singleNetConfig(settings.preset, { seed: settings.seed + 1 }));
    this.setScenes(scenes);
  }

  get state(): RunnerState {
    return this._state;
  }

  /**
   * Replaces the data; the weights are kept. During a run the new scenes take over at the next
   * step (the old tensors are freed then, not under the step that uses them); an empty set
   * waits for the run to end.
   */
  setScenes(scenes: TrainScene[]): void {
    const uploaded = scenes.map(uploadScene);
    if (this._state === 'idle') this.swapScenes(uploaded);
    else {
      if (this.pendingScenes) for (const s of this.pendingScenes) tf.dispose([s.leftImg, s.rightImg]);
      this.pendingScenes = uploaded;
    }
  }

  private pendingScenes?: SceneTensors[];

  private swapScenes(next: SceneTensors[]): void {
    const old = this.scenes;
    this.scenes = next;
    for (const s of old) tf.dispose([s.leftImg, s.rightImg]);
    if (this.previewSceneId && !next.some((s) => s.scene.id === this.previewSceneId)) this.previewSceneId = undefined;
  }

  setPreviewScene(sceneId: string): void {
    this.previewSceneId = sceneId;
    // a paused run wakes to send the new pair's maps (then waits again)
    if (this.isPaused()) for (const w of this.resumeWaiters.splice(0)) w();
  }

  /** New settings for the next run (the network size and seed only apply to new networks). */
  setSettings(settings: TrainSettings): void {
    this.settings = settings;
  }

  private isPaused(): boolean {
    return this._state === 'paused';
  }

  pause(): void {
    if (this._state === 'running') this._state = 'paused';
  }

  resume(): void {
    if (this._state === 'paused') this._state = 'running';
    for (const w of this.resumeWaiters.splice(0)) w();
  }

  cancel(): void {
    this.cancelled = true;
    this.resume();
  }

  /** The unit of stage `name`, its schedules (learning rate, mask warm-up) starting at `startStep`. */
  private stageUnit(name: StageName, startStep = 0): StageUnit {
    if (name === 'stereo') return stereoStage(this.stereo, this.settings, startStep);
    if (name === 'distill') return distillStage(this.stereo, this.single, this.settings, startStep);
    return fuseStage(this.stereo, this.single, this.settings, startStep);
  }

  /**
   * Trains the given stages in the method's order. Resolves when done or cancelled. `from`
   * continues a stage part-way (a resumed autosave): that stage starts at step `from.step`.
   * `paused`: starts paused (a run going on after a lost device, which the user had paused).
   */
  async run(stages: readonly StageName[] = STAGE_NAMES, from?: { stage: StageName; step: number }, opts: { paused?: boolean } = {}): Promise<StageEnd[]> {
    if (this._state !== 'idle') throw new Error('Runner.run: already running');
    // a step too large for wasm's 4 GiB heap would abort the module and lose the weights in it: refuse first
    if (tf.getBackend() === 'wasm') {
      const problem = wasmMemoryProblem(this.settings, STAGE_NAMES.filter((n) => stages.includes(n) && stageSteps(this.settings, n) > 0));
      if (problem) throw new Error(problem);
    }
    this._state = opts.paused ? 'paused' : 'running';
    this.cancelled = false;
    this.lastPreview = undefined; // (stage, step) name weights within one run only
    const ends: StageEnd[] = [];
    let sampler = new CropSampler(this.scenes, this.settings);
    // with a time budget each stage runs for its share of it (settings.ts, stageBudgets), the one-off
    // label pass included, and its schedules follow the share used; paused time does not count
    const budgets = stageBudgets(this.settings, STAGE_NAMES.filter((n) => stages.includes(n)));
    try {
      for (const name of STAGE_NAMES.filter((n) => stages.includes(n))) {
        const budgetMs = budgets ? budgets[name]! * 1000 : undefined;
        let active = 0;
        let since = performance.now();
        /** Milliseconds of this stage spent running (not paused). */
        const elapsed = () => active + (this.isPaused() ? 0 : performance.now() - since);
        const steps = budgetMs !== undefined ? Number.MAX_SAFE_INTEGER : stageSteps(this.settings, name);
        const unit = this.stageUnit(name, name === from?.stage ? Math.max(0, Math.floor(from.step)) : 0);
        this.currentStage = name;
        let step = name === from?.stage ? Math.min(steps, Math.max(0, Math.floor(from.step))) : 0;
        let rate = 0;
        const previews = new PreviewSchedule(this.settings.previewEvery, { msPerPixel: this.previewMsPerPixel });
        try {
          const prepare = step < steps ? unit.prepare?.bind(unit) : undefined;
          await this.events.onStageStart?.({ stage: name, labels: prepare !== undefined });
          if (prepare && !this.cancelled) await prepare(this.scenes);
          while (step < steps && !this.cancelled && (budgetMs === undefined || elapsed() < budgetMs)) {
            if (this.isPaused()) {
              active += performance.now() - since;
              while (this.isPaused() && !this.cancelled) {
                // Paused, the weights hold still: the panels get their full-resolution answer (the
                // one Stop would give) even when the running previews could only afford less.
                if (this.events.onPreview && !this.previewExact(name, step)) await this.sendPreview(previews, name, step, true);
                else await new Promise<void>((r) => this.resumeWaiters.push(r));
              }
              since = performance.now();
            }
            if (this.cancelled) break;
            if (this.pendingScenes && this.pendingScenes.length > 0) {
              this.swapScenes(this.pendingScenes);
              this.pendingScenes = undefined;
              sampler = new CropSampler(this.scenes, this.settings);
            }
            const t0 = performance.now();
            const batch = sampler.batch();
            let losses: Record<string, number>;
            try {
              losses = await unit.step(batch, budgetMs !== undefined ? elapsed() / budgetMs : undefined);
            } finally {
              tf.dispose([batch.leftImg, batch.rightImg]);
            }
            step += 1;
            const sps = 1000 / Math.max(1e-3, performance.now() - t0);
            rate = rate === 0 ? sps : 0.8 * rate + 0.2 * sps;
            const mem = tf.memory();
            // with a budget: the steps it will take at this rate, and the time it has left
            const used = elapsed();
            const planned = budgetMs !== undefined ? Math.max(step, Math.round((step * budgetMs) / Math.max(1, used))) : steps;
            const etaSec = budgetMs !== undefined ? Math.max(0, budgetMs - used) / 1000 : (steps - step) / rate;
            await this.events.onStep?.({ stage: name, step, steps: planned, losses, stepsPerSec: rate, etaSec, memory: { numTensors: mem.numTensors, numBytes: mem.numBytes }, ...(budgetMs !== undefined ? { budgetSec: budgetMs / 1000 } : {}) });
            if (this.events.onPreview && previews.due(step, planned)) await this.sendPreview(previews, name, step, false);
            await yieldToEvents();
          }
        } finally {
          unit.dispose();
          this.previewMsPerPixel = previews.msPerPixel;
        }
        const end: StageEnd = { stage: name, steps: step, reason: this.cancelled || (budgetMs === undefined && step < steps) ? 'cancelled' : 'done' };
        ends.push(end);
        if (end.reason === 'done' && !this.completed.includes(name)) this.completed.push(name);
        await this.events.onStageEnd?.(end);
        if (this.cancelled) break;
      }
    } finally {
      this._state = 'idle';
      this.currentStage = undefined;
      if (this.pendingScenes) {
        this.swapScenes(this.pendingScenes);
        this.pendingScenes = undefined;
      }
    }
    return ends;
  }

  /** The pair the previews show: the one asked for, once the runner has it. */
  private previewScene(): SceneTensors {
    return this.scenes.find((s) => s.scene.id === this.previewSceneId) ?? this.scenes[0];
  }

  /** Whether the last preview sent is the full-resolution answer of the preview pair after `step` of `stage`. */
  private previewExact(stage: StageName, step: number): boolean {
    const p = this.lastPreview;
    return p !== undefined && p.sceneId === this.previewScene().scene.id && p.stage === stage && p.step === step && p.scale === 1;
  }

  /**
   * Predicts the preview pair with the current weights and sends its maps: at full resolution
   * when `exact` or when the schedule says it fits the preview's time, else at the schedule's
   * reduced scale (the maps say so).
   */
  private async sendPreview(previews: PreviewSchedule, stage: StageName, step: number, exact: boolean): Promise<void> {
    const st = this.previewScene();
    const id = st.scene.id;
    const pixels = st.scene.width * st.scene.height;
    const scale = exact ? 1 : previews.scaleFor(pixels);
    const maps = await previews.timed(() => this.predict(id, scale), pixels * scale * scale);
    this.lastPreview = { sceneId: id, stage, step, scale };
    this.events.onPreview?.({ ...maps, at: { stage, step } });
  }

  private sceneTensors(sceneId: string): SceneTensors {
    const st = this.scenes.find((s) => s.scene.id === sceneId);
    if (!st) throw new Error(`no pair with id "${sceneId}"`);
    return st;
  }

  /**
   * Maps of one scene at its full size. SingleNet and the fused map are included once stage 2
   * has run (or SingleNet was loaded). The networks run on the scene at full resolution, or
   * shrunk by `scale` < 1 (a preview that cannot afford more; see predictMaps). The full-resolution answer has its
   * refined at full resolution (settings matchRefine, edgeRefine) where `refine` asks for it: the worker's answer to a
   * predict outside a train, and evaluate(); previews stay the networks' own maps (a refinement costs seconds).
   */
  async predict(sceneId: string, scale = 1, refine = false): Promise<PreviewMaps> {
    // SingleNet's maps are shown from the start of stage 2 on, so people can watch it learn.
    const hasSingle = this.completed.includes('distill') || this.singleLoaded || this.currentStage === 'distill' || this.currentStage === 'fuse';
    const nets = { stereo: this.stereo, single: hasSingle ? this.single : undefined };
    // the answer (full resolution) at the scale the setting asks for; a reduced preview stays at the pair's own
    if (scale === 1) return predictAnswer(nets, this.sceneTensors(sceneId), this.settings.lrTolerance, this.settings.inferScale === 'auto', refine ? { matchRefine: this.settings.matchRefine ?? 0, edgeRefine: this.settings.edgeRefine ?? 0 } : NO_REFINEMENT);
    return predictMaps(nets, this.sceneTensors(sceneId), scale, this.settings.lrTolerance);
  }

  /** Metrics of every map against the scene's ground truth, at full resolution. */
  async evaluate(sceneId: string): Promise<SceneMetrics> {
    const st = this.sceneTensors(sceneId);
    const gt = st.scene.gtDisp;
    if (!gt) throw new Error(`pair "${st.scene.name}" has no ground truth`);
    const maps = await this.predict(sceneId, 1, true);
    const opts = st.scene.nonOccMask ? { mask: st.scene.nonOccMask } : {};
    const m = (d?: Float32Array) => (d ? disparityMetrics(d, gt, opts) : undefined);
    return { sceneId, stereo: m(maps.stereoDisp), single: m(maps.singleDisp), fused: m(maps.fusedDisp) };
  }

  /** The current weights, configs, settings and stage progress, as model.json + one binary shard. */
  checkpoint(): Promise<{ modelJson: unknown; weightData: ArrayBuffer }> {
    return exportModel({ stereo: this.stereo, single: this.single }, { settings: this.settings, completedStages: [...this.completed] });
  }

  dispose(): void {
    this.cancel();
    for (const s of this.scenes) tf.dispose([s.leftImg, s.rightImg]);
    this.scenes = [];
    this.stereo.dispose();
    this.single.dispose();
  }
}
