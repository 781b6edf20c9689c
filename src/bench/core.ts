// The one benchmark core: what `npm run bench` (cli/bench.ts, Node) and `npm run bench:browser`
// (bench.html's worker or page, src/bench/measure.ts) both measure, and how. The same stage units,
// sampler, synthetic scene and networks as the app; only the backend and the place differ.
//
// The step timer (timeSteps): the first step is timed alone (shader / wasm compilation included);
// when it takes longer than the budget the stage is skipped. Then warmup - 1 more untimed steps
// ("warm-up" is the first step and these), then `steps` steps, each timed alone as
// performance.now() around `await step()` (a step ends when the stage unit has read its loss
// terms back), reported as median (sorted[floor(n / 2)]: the upper one for an even n), min and
// max. tf.memory() is read just before and just after the timed steps, and our own wasm kernels'
// counters (nativeStats) around them, divided by `steps`. Nothing else runs inside a timed step.
//
// After the timed steps one more step runs under tf.profile, untimed (profileStep). From it:
// - kernels per step: the profile's entries whose name is a kernel registered for the running
//   backend (tf.getKernel): the kernels the backend ran for one whole training step (forward,
//   gradients, Adam update). The other entries are tf.customGrad and named-scope wrappers
//   ("unnamed scope", ...) whose inner kernels have entries of their own: not counted.
// - profile entries per step: every entry, wrappers included. Until this module `npm run bench`
//   printed this figure as "kernels"; every "kernels a step" figure in BENCHMARKS.md recorded
//   before it is this one.
// - dispatches per step (webgpu only): GPUComputePassEncoder.dispatchWorkgroups calls during that
//   step, the GPU programs really launched; fewer than its kernels, as Reshape, Identity and a
//   same-type Cast launch nothing. e2e/kernels.spec.ts counts the same calls on its own tiny step
//   (its "with Adam" figure; its other figure leaves the update out).
// - top / all kernels by name (wrappers left out), time summed over the calls; by time, or by
//   calls where the backend gives no kernel times; and the multiply-adds of the tfjs convolution
//   kernels of the step (convMacs). Our own wasm kernels are no tfjs kernels: no count sees them,
//   nativeStats does.
import * as tf from '@tensorflow/tfjs';
import { nativeStats } from '../backends/wasm';
import { defaultSettings, type StageName } from '../config/settings';
import { buildSingleNet, buildStereoNet, singleNetConfig, stereoNetConfig, type PresetName } from '../model';
import { layeredScene } from '../testing/scenes';
import { CropSampler, uploadScene } from '../train/pipeline';
import { distillStage, fuseStage, stereoStage, type StageUnit } from '../train/stages/units';
import type { BenchBackend, InferenceReport, KernelTotal, MemorySnapshot, StageRow, StepStats } from './types';

/** The phase about to start, and how long it may take before a watcher gives up on it. */
export type OnPhase = (phase: string, expectMs: number) => void;

export interface TimerOptions {
  /** Timed steps; the median of their times is the result. */
  steps: number;
  /** Untimed steps before them, the first included (at least the first always runs). */
  warmup: number;
  /** A first step longer than this skips the stage (and bench.ts / measure.ts skip larger sizes). */
  budgetMs: number;
  /** Called before each step, outside its time (the browser page reports progress with it). */
  onPhase?: OnPhase;
  /** Prefix of the phases' names. */
  tag?: string;
}

export type StageResult = Omit<StageRow, 'backend' | 'size' | 'stage'>;
type NativePerStep = NonNullable<StageRow['native']>;

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The reported median: the middle of the sorted times (the upper middle for an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const stepStats = (times: number[]): StepStats => ({ medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), steps: times.length });

export function memorySnapshot(): MemorySnapshot {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers, ...(m.numBytesInGPU !== undefined ? { numBytesInGPU: m.numBytesInGPU } : {}) };
}

/** The step timer (see the top of this file). */
export async function timeSteps(step: () => Promise<unknown>, o: TimerOptions): Promise<StageResult> {
  const timed = async (phase: string) => {
    o.onPhase?.(`${o.tag ?? ''}${phase}`, 2 * o.budgetMs);
    const t = performance.now();
    await step();
    return performance.now() - t;
  };
  const firstStepMs = await timed('first step');
  if (firstStepMs > o.budgetMs) return { firstStepMs, skipped: `first step took ${(firstStepMs / 1000).toFixed(1)} s (> ${o.budgetMs / 1000} s budget)` };
  let warmupMs = firstStepMs;
  for (let i = 1; i < o.warmup; i++) warmupMs += await timed(`warm-up step ${i + 1}/${o.warmup}`);
  const before = memorySnapshot();
  const n0 = { ...nativeStats };
  const times: number[] = [];
  for (let i = 0; i < o.steps; i++) times.push(await timed(`step ${i + 1}/${o.steps}`));
  const after = memorySnapshot();
  const per = (now: number, then: number, scale = 1) => (now - then) / o.steps / scale;
  const native: NativePerStep = {
    gmacs: per(nativeStats.macs, n0.macs, 1e9),
    ms: per(nativeStats.ms, n0.ms),
    inputGmacs: per(nativeStats.inputMacs, n0.inputMacs, 1e9),
    inputMs: per(nativeStats.inputMs, n0.inputMs),
    forwardGmacs: per(nativeStats.forwardMacs, n0.forwardMacs, 1e9),
    forwardMs: per(nativeStats.forwardMs, n0.forwardMs),
  };
  const ownKernels = native.gmacs > 0 || native.inputGmacs > 0 || native.forwardGmacs > 0;
  return { firstStepMs, warmupMs, stats: stepStats(times), memory: { before, after }, ...(ownKernels ? { native } : {}) };
}

/** Counts dispatchWorkgroups calls from now on; undefined off WebGPU (no GPUComputePassEncoder, or another backend). */
export function countDispatches(): { count: () => number; restore: () => void } | undefined {
  type Dispatch = (...args: unknown[]) => void;
  const Encoder = (globalThis as { GPUComputePassEncoder?: { prototype: { dispatchWorkgroups: Dispatch } } }).GPUComputePassEncoder;
  if (tf.getBackend() !== 'webgpu' || !Encoder) return undefined;
  const proto = Encoder.prototype;
  const original = proto.dispatchWorkgroups;
  let n = 0;
  proto.dispatchWorkgroups = function (this: unknown, ...args: unknown[]) {
    n += 1;
    return original.apply(this, args);
  };
  return { count: () => n, restore: () => void (proto.dispatchWorkgroups = original) };
}

export type StepProfile = Pick<StageRow, 'kernels' | 'profileEntries' | 'dispatches' | 'kernelTimes' | 'kernelTimeNote' | 'topKernels' | 'allKernels' | 'convGmacs' | 'convMs'>;

/** One step under tf.profile (and the dispatch counter on WebGPU): the counts defined at the top of this file. */
export async function profileStep(step: () => Promise<unknown>, topN = 8): Promise<StepProfile> {
  const backend = tf.getBackend();
  const counter = countDispatches();
  let prof: Awaited<ReturnType<typeof tf.profile>>;
  try {
    prof = await tf.profile(async () => void (await step()));
  } finally {
    counter?.restore();
  }
  const agg = new Map<string, KernelTotal>();
  let kernels = 0;
  let timed = 0;
  let timerError: string | undefined;
  let macs = 0;
  let convMs = 0;
  for (const k of prof.kernels) {
    if (tf.getKernel(k.name, backend) === undefined) continue; // a wrapper, not a kernel
    kernels++;
    const t = k.kernelTimeMs as unknown;
    const kms = typeof t === 'number' ? t : 0;
    if (kms > 0) timed++;
    else if (t && typeof t === 'object' && 'error' in t) timerError = String((t as { error: unknown }).error);
    const m = convMacs(k.name, k.inputShapes as number[][], k.outputShapes as number[][]);
    if (m > 0) {
      macs += m;
      convMs += kms;
    }
    const a = agg.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
    a.ms += kms;
    a.calls += 1;
    agg.set(k.name, a);
  }
  const kernelTimes = timed > 0;
  const all = [...agg.values()].sort((a, b) => (kernelTimes ? b.ms - a.ms : b.calls - a.calls));
  const dispatches = counter?.count();
  return {
    kernels,
    profileEntries: prof.kernels.length,
    ...(dispatches ? { dispatches } : {}), // 0: the counter saw none of the backend's calls
    kernelTimes,
    ...(kernelTimes ? {} : { kernelTimeNote: timerError ?? 'the backend reported 0 ms for every kernel (no timer queries)' }),
    topKernels: all.slice(0, topN),
    allKernels: all,
    convGmacs: macs / 1e9,
    convMs,
  };
}

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/** Multiply-adds of one convolution (or matrix-product) kernel from its shapes (0 for any other kernel). */
export function convMacs(name: string, inShapes: number[][], outShapes: number[][]): number {
  // (our WebGPU layers run the forward pass as FusedConv2D and the filter gradient as a WGSL program inside the
  // layer's custom gradient, which tf.profile does not list: on webgpu the count misses the filter gradients)
  if (name === 'Conv2D' || name === 'FusedConv2D') return prod(outShapes[0]) * prod(inShapes[1].slice(0, 3)); // out x (kh kw cin)
  if (name === 'Conv2DBackpropInput') return prod(inShapes[0]) * prod(inShapes[1].slice(0, 3)); // dy x (kh kw cin)
  if (name === 'Conv2DBackpropFilter') return prod(inShapes[1]) * prod(outShapes[0].slice(0, 3)); // dy x (kh kw cin)
  // (none in these networks today; counted in case a gradient is written as a matrix product)
  if (name === 'BatchMatMul') return prod(outShapes[0]) * inShapes[0][inShapes[0].length - 1];
  return 0;
}

export interface StageOptions extends Omit<TimerOptions, 'tag'> {
  preset: PresetName;
}

/** One stage at one crop size, batch 2, on a synthetic textured scene: the timer, then the profiled step. */
export async function benchStage(stage: StageName, size: [number, number], o: StageOptions): Promise<StageResult> {
  const [W, H] = size;
  const tag = `${tf.getBackend()} ${W}x${H} ${stage}: `;
  const s = { ...defaultSettings(), preset: o.preset, width: W, height: H, batch: 2, jitter: 0.1, stepsStereo: o.steps + o.warmup, maskWarmup: 0 };
  const synth = layeredScene({ H: H + 32, W: W + 64, bg: 6, fg: 18, x0: W / 3, x1: (2 * W) / 3 });
  const scene = { id: 's', name: 'synthetic', width: W + 64, height: H + 32, leftImg: (await synth.leftImg.data()) as Float32Array, rightImg: (await synth.rightImg.data()) as Float32Array };
  tf.dispose(Object.values(synth));
  const st = uploadScene(scene);
  const sampler = new CropSampler([st], s);
  const stereo = buildStereoNet(stereoNetConfig(o.preset));
  const single = buildSingleNet(singleNetConfig(o.preset));
  const unit: StageUnit = stage === 'stereo' ? stereoStage(stereo, s) : stage === 'distill' ? distillStage(stereo, single, s) : fuseStage(stereo, single, s);
  let lastLoss: number | undefined;
  const step = async () => {
    const b = sampler.batch();
    try {
      lastLoss = (await unit.step(b)).total;
    } finally {
      tf.dispose([b.leftImg, b.rightImg]);
    }
  };
  try {
    const timed = await timeSteps(step, { ...o, tag });
    if (!timed.stats) return timed;
    const loss = lastLoss; // of the last timed step, not the profiled one
    o.onPhase?.(`${tag}profiled step`, 4 * o.budgetMs);
    return { ...timed, ...(await profileStep(step)), ...(loss !== undefined ? { lastLoss: loss } : {}) };
  } finally {
    unit.dispose();
    stereo.dispose();
    single.dispose();
    tf.dispose([st.leftImg, st.rightImg]);
  }
}

/**
 * Every stage at every size, in order, each row handed to `onRow` as it is done. A failure (wasm out of its 32-bit
 * address space, a lost GPU device) skips that row only; a first step over the budget skips the rest of that size and
 * every size as large or larger.
 */
export async function benchStages(backend: BenchBackend, sizes: [number, number][], stages: StageName[], o: StageOptions, onRow: (row: StageRow) => void): Promise<void> {
  let exceeded: { pixels: number; size: string } | undefined;
  for (const size of sizes) {
    const label = size.join('x');
    const pixels = size[0] * size[1];
    for (const stage of stages) {
      let r: StageResult;
      if (exceeded && pixels >= exceeded.pixels) {
        r = { skipped: exceeded.size === label ? `an earlier stage at ${label} exceeded the budget` : `${exceeded.size} already exceeded the budget` };
      } else {
        try {
          r = await benchStage(stage, size, o);
        } catch (err) {
          r = { skipped: `failed: ${messageOf(err)}` };
        }
        if (r.firstStepMs !== undefined && r.firstStepMs > o.budgetMs && (!exceeded || pixels < exceeded.pixels)) exceeded = { pixels, size: label };
      }
      onRow({ backend, size: label, stage, ...r });
    }
  }
}

/**
 * Inference of both networks at 1242x375 (KITTI) padded to 1248x384, batch 1: a first run (compilation included),
 * then up to `runs` more while their sum stays within the budget; their median is the result. A run ends when the
 * first output is read back.
 */
export async function timeInference(preset: PresetName, budgetMs: number, onPhase?: OnPhase, runs = 3): Promise<InferenceReport> {
  const l = tf.randomUniform([1, 384, 1248, 3]) as tf.Tensor4D;
  const r = tf.randomUniform([1, 384, 1248, 3]) as tf.Tensor4D;
  const stereo = buildStereoNet(stereoNetConfig(preset));
  const single = buildSingleNet(singleNetConfig(preset));
  const notes: string[] = [];
  const time = async (name: string, f: () => tf.Tensor[]) => {
    const once = async (phase: string) => {
      onPhase?.(`${tf.getBackend()} inference ${name}: ${phase}`, 2 * budgetMs);
      const t = performance.now();
      const out = f();
      await out[0].data();
      tf.dispose(out);
      return performance.now() - t;
    };
    const first = await once('first run');
    if (first > budgetMs) {
      notes.push(`${name}: first run took ${(first / 1000).toFixed(1)} s (> ${budgetMs / 1000} s budget), no further runs`);
      return { first };
    }
    const ts: number[] = [];
    for (let spent = 0; ts.length < runs && spent < budgetMs; spent += ts[ts.length - 1]) ts.push(await once(`run ${ts.length + 1}/${runs}`));
    if (ts.length < runs) notes.push(`${name}: ${ts.length} of ${runs} runs (budget)`);
    return { first, med: median(ts), runs: ts.length };
  };
  try {
    const a = await time('StereoNet', () => stereo.forward(l, r));
    const b = await time('SingleNet', () => single.forward(l));
    return { stereoFirstMs: a.first, stereoMs: a.med, singleFirstMs: b.first, singleMs: b.med, stereoRuns: a.runs ?? 0, singleRuns: b.runs ?? 0, runs: Math.min(a.runs ?? 0, b.runs ?? 0), notes };
  } finally {
    tf.dispose([l, r]);
    stereo.dispose();
    single.dispose();
  }
}
