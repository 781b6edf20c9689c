// The benchmarks' parameters, rows and messages: one row format for `npm run bench` (cli/bench.ts) and
// `npm run bench:browser` (bench.html, run by cli/bench-browser.ts), filled by src/bench/core.ts, which
// defines each figure. Plain data only: rows cross postMessage (worker -> page) and Playwright (page -> Node).
import type { StageName } from '../config/settings';
import type { PresetName } from '../model/config';

export const BENCH_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BenchBackend = (typeof BENCH_BACKENDS)[number];

/** What the page measures, read from its URL query (see benchPage.ts). */
export interface BenchParams {
  backend: BenchBackend;
  /** [width, height] of the training crops, in the order given. */
  sizes: [number, number][];
  stages: StageName[];
  preset: PresetName;
  /** Timed steps per stage (the median is reported), after `warmup` untimed steps (the first included). */
  steps: number;
  warmup: number;
  /** A size is skipped (with the larger ones) once one first step takes longer than this. */
  budgetMs: number;
  /** Time StereoNet and SingleNet inference at 1242x375 (padded to 1248x384). */
  inference: boolean;
  /** Where tfjs runs: in a module worker, as the app trains, or on the page's main thread. */
  thread: 'worker' | 'main';
  /** wasm threads, as `?wasmThreads=` asks the app; undefined: the app's choice for a run at the first size. */
  wasmThreads?: number;
}

export interface MemorySnapshot {
  numTensors: number;
  numBytes: number;
  numDataBuffers: number;
  /** webgl only */
  numBytesInGPU?: number;
}

export interface AdapterReport {
  available: boolean;
  error?: string;
  architecture?: string;
  vendor?: string;
  description?: string;
  device?: string;
  /** GPUAdapterInfo.isFallbackAdapter, or the older GPUAdapter.isFallbackAdapter; as the browser reports it. */
  isFallbackAdapter?: boolean;
  features?: string[];
}

export interface BenchEnv {
  userAgent: string;
  hardwareConcurrency: number;
  /** crossOriginIsolated where tfjs runs (the worker, or the page with thread=main). */
  crossOriginIsolated: boolean;
  /** crossOriginIsolated of the page itself. */
  pageCrossOriginIsolated?: boolean;
  thread: 'worker' | 'main';
  tfjs: string;
  adapter: AdapterReport;
  webgl: { available: boolean; renderer?: string; software?: boolean; error?: string };
}

export interface BackendReport {
  ok: boolean;
  /** Why it did not start (setBackend false or threw, or tfjs ended on another backend). */
  error?: string;
  /** tf.getBackend() after setBackend + ready. */
  actual?: string;
  /** setBackend + ready. */
  initMs?: number;
  /** The app's warm-up op (one small conv: first shader / wasm compilation), src/train/backend.ts warmUp(). */
  warmUpMs?: number;
  /** wasm only: getThreadsCount(), and whether the project's faster wasm kernels are registered. */
  wasmThreads?: number;
  fastWasmKernels?: boolean;
  /** wasm only: the weight gradients by our own SIMD kernel (src/backends/wasm/conv.ts), and whether its helper thread is up. */
  nativeKernels?: boolean;
  nativeHelper?: boolean;
  /** webgpu only: the backend can time kernels (timestamp-query), so tf.profile has kernel times. */
  timestampQuery?: boolean;
}

export interface StepStats { medianMs: number; minMs: number; maxMs: number; steps: number }

export interface KernelTotal { name: string; ms: number; calls: number }

/** One stage at one size: every figure as src/bench/core.ts defines it. */
export interface StageRow {
  backend: BenchBackend;
  size: string;
  stage: StageName;
  /** The first step (shader compilation / wasm warm-up included). */
  firstStepMs?: number;
  /** All warm-up steps, the first included. */
  warmupMs?: number;
  stats?: StepStats;
  skipped?: string;
  /** Kernels per step: the profiled step's tf.profile entries that are kernels registered for the backend. */
  kernels?: number;
  /** Every tf.profile entry of that step, custom-gradient and scope wrappers included ("kernels" in cli/bench.ts before src/bench/core.ts). */
  profileEntries?: number;
  /** webgpu only: dispatchWorkgroups calls of that step. */
  dispatches?: number;
  /** False when the backend reports no kernel times (kernels are then ordered by calls). */
  kernelTimes?: boolean;
  kernelTimeNote?: string;
  topKernels?: KernelTotal[];
  /** Every kernel of the profiled step by name, time summed over its calls. */
  allKernels?: KernelTotal[];
  /** Multiply-adds of the profiled step's tfjs convolution kernels (forward and gradients), and their time. */
  convGmacs?: number;
  convMs?: number;
  memory?: { before: MemorySnapshot; after: MemorySnapshot };
  /** wasm: our weight-gradient, input-gradient and forward kernels per timed step (tf.profile does not see them). */
  native?: { gmacs: number; ms: number; inputGmacs: number; inputMs: number; forwardGmacs: number; forwardMs: number };
  /** Total loss of the last timed step (a NaN here means the backend computes garbage). */
  lastLoss?: number;
}

export interface InferenceReport {
  /** Median of the runs after the first; undefined when only the first ran. */
  stereoMs?: number;
  singleMs?: number;
  stereoFirstMs?: number;
  singleFirstMs?: number;
  /** Timed runs after the first, per network. */
  stereoRuns?: number;
  singleRuns?: number;
  runs: number;
  notes: string[];
}

export type BenchMsg =
  | { type: 'env'; env: BenchEnv }
  /** The page starts `phase`; the CLI closes it if nothing else arrives within expectMs (+ grace). */
  | { type: 'progress'; phase: string; expectMs: number }
  | { type: 'backend'; report: BackendReport }
  | { type: 'row'; row: StageRow }
  | { type: 'inference'; report: InferenceReport }
  | { type: 'error'; message: string }
  | { type: 'done' };

/** The query string of bench.html for these parameters. */
export function benchQuery(p: BenchParams): string {
  const q = new URLSearchParams({
    backend: p.backend,
    sizes: p.sizes.map(([w, h]) => `${w}x${h}`).join(','),
    stages: p.stages.join(','),
    preset: p.preset,
    steps: String(p.steps),
    warmup: String(p.warmup),
    budget: String(p.budgetMs / 1000),
    inference: p.inference ? '1' : '0',
    thread: p.thread,
  });
  if (p.wasmThreads !== undefined) q.set('wasmThreads', String(p.wasmThreads));
  return q.toString();
}

/** Parses "256x128,512x256". */
export function parseSizes(text: string): [number, number][] {
  return text.split(',').map((s) => {
    const m = /^(\d+)x(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`sizes must look like 256x128,512x256; got "${s}"`);
    return [Number(m[1]), Number(m[2])];
  });
}
