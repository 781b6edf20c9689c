// The browser benchmark's measurement: runs in the bench worker (as the app trains) or on the
// page (thread=main). The same stage units, sampler, synthetic scene and networks as the Node
// benchmark (cli/bench.ts) and the app; only the backend differs.
//
// Per backend: start it and check tf.getBackend() really is it (tfjs falls back silently); the
// app's warm-up op; then for each size and stage the first step (compilation included), the
// other warm-up steps, `steps` timed steps (median, min, max), tf.memory() before and after
// them, and one profiled step (kernel count, top kernels); then inference of both networks at
// 1242x375 padded to 1248x384. A size whose first step takes longer than the budget is skipped
// with every larger size. Read-backs are `await t.data()`, never dataSync.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { applyWasmThreads, planWasmThreads, type StepSize } from '../train/wasmThreads';
import { fastWasmKernelsActive, nativeKernels, nativeStats, registerWasmKernels, waitForNativeHelper } from '../backends/wasm';
import { registerWebgpuKernels } from '../backends/webgpu';
import { defaultSettings, type StageName } from '../config/settings';
import { buildSingleNet, buildStereoNet, singleNetConfig, stereoNetConfig, type PresetName } from '../model';
import { layeredScene } from '../testing/scenes';
// Importing the app's backend module points the wasm backend at the binaries Vite serves
// (setWasmPaths with the same ?url imports), exactly as in the training worker.
import { messageOf, probeWebGl, warmUp } from '../train/backend';
import { CropSampler, uploadScene } from '../train/pipeline';
import { distillStage, fuseStage, stereoStage, type StageUnit } from '../train/stages/units';
import type { AdapterReport, BackendReport, BenchEnv, BenchMsg, BenchParams, InferenceReport, KernelTotal, MemorySnapshot, StageRow } from './types';

type Report = (msg: BenchMsg) => void;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function memory(): MemorySnapshot {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers, ...(m.numBytesInGPU !== undefined ? { numBytesInGPU: m.numBytesInGPU } : {}) };
}

type AdapterInfoLike = { architecture?: string; vendor?: string; description?: string; device?: string; isFallbackAdapter?: boolean };

/** The WebGPU adapter as the browser describes it (raw fields, not the app's software verdict). */
async function probeAdapter(): Promise<AdapterReport> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (gpu === undefined) return { available: false, error: 'navigator.gpu is missing' };
  try {
    const adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as
      | (GPUAdapter & { info?: AdapterInfoLike; isFallbackAdapter?: boolean; requestAdapterInfo?: () => Promise<AdapterInfoLike> })
      | null;
    if (adapter === null) return { available: false, error: 'requestAdapter() returned null' };
    const info: AdapterInfoLike = adapter.info ?? (await adapter.requestAdapterInfo?.().catch(() => ({}))) ?? {};
    const fallback = info.isFallbackAdapter ?? adapter.isFallbackAdapter;
    return {
      available: true,
      architecture: info.architecture ?? '',
      vendor: info.vendor ?? '',
      description: info.description ?? '',
      device: info.device ?? '',
      ...(fallback !== undefined ? { isFallbackAdapter: fallback } : {}),
      features: [...adapter.features].sort(),
    };
  } catch (err) {
    return { available: false, error: `requestAdapter() threw: ${messageOf(err)}` };
  }
}

/** Sets the backend and checks that tfjs really runs on it; the console warnings of a failed init are kept as the cause. */
async function startBackend(name: string, wasmThreads: number | undefined, step: StepSize): Promise<BackendReport> {
  // the app's own kernels, as the training worker registers them before it sets a backend
  registerWasmKernels();
  registerWebgpuKernels();
  // The app's choice (src/train/wasmThreads.ts) for a run that starts with `step`, unless asked.
  if (name === 'wasm') applyWasmThreads(planWasmThreads(navigator.hardwareConcurrency, wasmThreads, step).threads);
  const warnings: string[] = [];
  const warn = console.warn;
  const error = console.error;
  console.warn = (...a: unknown[]) => {
    warnings.push(a.map(String).join(' '));
    warn(...a);
  };
  console.error = (...a: unknown[]) => {
    warnings.push(a.map(String).join(' '));
    error(...a);
  };
  const cause = () => (warnings.length ? ` (console: ${warnings.join(' | ').slice(0, 600)})` : '');
  const t0 = performance.now();
  try {
    let ok: boolean;
    try {
      ok = await tf.setBackend(name);
    } catch (err) {
      return { ok: false, error: `tf.setBackend('${name}') threw: ${messageOf(err)}${cause()}` };
    }
    // Not tf.ready() after a false: it would quietly initialise another backend.
    if (!ok) return { ok: false, error: `tf.setBackend('${name}') returned false${cause()}` };
    await tf.ready();
    const actual = tf.getBackend();
    if (actual !== name) return { ok: false, actual, error: `tf.setBackend('${name}') did not take effect: tfjs is on '${actual}'${cause()}` };
    const initMs = performance.now() - t0;
    const report: BackendReport = { ok: true, actual, initMs };
    if (name === 'wasm') {
      report.wasmThreads = getThreadsCount();
      report.fastWasmKernels = fastWasmKernelsActive();
      report.nativeHelper = await waitForNativeHelper();
      report.nativeKernels = nativeKernels() !== null;
    }
    if (name === 'webgpu') report.timestampQuery = Boolean((tf.backend() as unknown as { supportTimestampQuery?: boolean }).supportTimestampQuery);
    return report;
  } catch (err) {
    return { ok: false, error: `starting '${name}' threw: ${messageOf(err)}${cause()}` };
  } finally {
    console.warn = warn;
    console.error = error;
  }
}

async function benchStage(p: BenchParams, stage: StageName, size: [number, number], report: Report): Promise<Omit<StageRow, 'backend' | 'size' | 'stage'>> {
  const [W, H] = size;
  const tag = `${p.backend} ${W}x${H} ${stage}`;
  const s = { ...defaultSettings(), preset: p.preset, width: W, height: H, batch: 2, jitter: 0.1, stepsStereo: p.steps + p.warmup, maskWarmup: 0 };
  const synth = layeredScene({ H: H + 32, W: W + 64, bg: 6, fg: 18, x0: W / 3, x1: (2 * W) / 3 });
  const scene = { id: 's', name: 'synthetic', width: W + 64, height: H + 32, leftImg: (await synth.leftImg.data()) as Float32Array, rightImg: (await synth.rightImg.data()) as Float32Array };
  tf.dispose(Object.values(synth));
  const st = uploadScene(scene);
  const sampler = new CropSampler([st], s);
  const preset: PresetName = p.preset;
  const stereo = buildStereoNet(stereoNetConfig(preset));
  const single = buildSingleNet(singleNetConfig(preset));
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
  const timed = async (phase: string, expectMs: number) => {
    report({ type: 'progress', phase: `${tag}: ${phase}`, expectMs });
    const t = performance.now();
    await step();
    return performance.now() - t;
  };
  try {
    const firstStepMs = await timed('first step', 2 * p.budgetMs);
    if (firstStepMs > p.budgetMs) {
      return { firstStepMs, skipped: `first step took ${(firstStepMs / 1000).toFixed(1)} s (> ${p.budgetMs / 1000} s budget)` };
    }
    let warmupMs = firstStepMs;
    for (let i = 1; i < p.warmup; i++) warmupMs += await timed(`warm-up step ${i + 1}/${p.warmup}`, 2 * p.budgetMs);
    const before = memory();
    const times: number[] = [];
    const n0 = { ...nativeStats };
    for (let i = 0; i < p.steps; i++) times.push(await timed(`step ${i + 1}/${p.steps}`, 2 * p.budgetMs));
    const after = memory();
    // per timed step (taken before the profiled step adds its own)
    const per = (now: number, then: number, scale = 1) => (now - then) / p.steps / scale;
    const native = {
      gmacs: per(nativeStats.macs, n0.macs, 1e9),
      ms: per(nativeStats.ms, n0.ms),
      inputGmacs: per(nativeStats.inputMacs, n0.inputMacs, 1e9),
      inputMs: per(nativeStats.inputMs, n0.inputMs),
      forwardGmacs: per(nativeStats.forwardMacs, n0.forwardMacs, 1e9),
      forwardMs: per(nativeStats.forwardMs, n0.forwardMs),
    };
    report({ type: 'progress', phase: `${tag}: profiled step`, expectMs: 4 * p.budgetMs });
    const prof = await tf.profile(step);
    const agg = new Map<string, KernelTotal>();
    let timedKernels = 0;
    let timerError: string | undefined;
    // Entries whose name is no registered kernel are tf.customGrad / named-scope wrappers: their
    // time includes the kernels inside them, which have entries of their own. Left out of the
    // count and the top list (cli/bench.ts counts them: that is `profileEntries`).
    let wrappers = 0;
    for (const k of prof.kernels) {
      if (tf.getKernel(k.name, p.backend) === undefined) {
        wrappers++;
        continue;
      }
      const ms = k.kernelTimeMs as unknown;
      if (typeof ms === 'number') {
        if (ms > 0) timedKernels++;
      } else if (ms && typeof ms === 'object' && 'error' in ms) {
        timerError = String((ms as { error: unknown }).error);
      }
      const a = agg.get(k.name) ?? { name: k.name, ms: 0, calls: 0 };
      a.ms += typeof ms === 'number' ? ms : 0;
      a.calls += 1;
      agg.set(k.name, a);
    }
    const kernelTimes = timedKernels > 0;
    const top = [...agg.values()].sort((a, b) => (kernelTimes ? b.ms - a.ms : b.calls - a.calls)).slice(0, 8);
    return {
      firstStepMs,
      warmupMs,
      stats: { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), steps: p.steps },
      kernels: prof.kernels.length - wrappers,
      profileEntries: prof.kernels.length,
      kernelTimes,
      ...(kernelTimes ? {} : { kernelTimeNote: timerError ?? 'the backend reported 0 ms for every kernel (no timer queries)' }),
      topKernels: top,
      memory: { before, after },
      ...(native.gmacs > 0 ? { native } : {}),
      ...(lastLoss !== undefined ? { lastLoss } : {}),
    };
  } finally {
    unit.dispose();
    stereo.dispose();
    single.dispose();
    tf.dispose([st.leftImg, st.rightImg]);
  }
}

async function inference(p: BenchParams, report: Report): Promise<InferenceReport> {
  // 1242x375 (KITTI) padded to 1248x384, batch 1, as in cli/bench.ts
  const l = tf.randomUniform([1, 384, 1248, 3]) as tf.Tensor4D;
  const r = tf.randomUniform([1, 384, 1248, 3]) as tf.Tensor4D;
  const stereo = buildStereoNet(stereoNetConfig(p.preset));
  const single = buildSingleNet(singleNetConfig(p.preset));
  const notes: string[] = [];
  const RUNS = 3;
  const time = async (name: string, f: () => tf.Tensor[]) => {
    const once = async (phase: string) => {
      report({ type: 'progress', phase: `${p.backend} inference ${name}: ${phase}`, expectMs: 2 * p.budgetMs });
      const t = performance.now();
      const out = f();
      await out[0].data();
      tf.dispose(out);
      return performance.now() - t;
    };
    const first = await once('first run');
    if (first > p.budgetMs) {
      notes.push(`${name}: first run took ${(first / 1000).toFixed(1)} s (> ${p.budgetMs / 1000} s budget), no further runs`);
      return { first };
    }
    const ts: number[] = [];
    let spent = 0;
    for (let i = 0; i < RUNS && spent < p.budgetMs; i++) {
      ts.push(await once(`run ${i + 1}/${RUNS}`));
      spent += ts[ts.length - 1];
    }
    if (ts.length < RUNS) notes.push(`${name}: ${ts.length} of ${RUNS} runs (budget)`);
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

/** The whole measurement for one backend; every result goes out through `report`, ending with 'done'. */
export async function runBench(p: BenchParams, report: Report, pageCrossOriginIsolated?: boolean): Promise<void> {
  try {
    report({ type: 'progress', phase: `${p.backend}: probing the adapter`, expectMs: 60_000 });
    const env: BenchEnv = {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      ...(pageCrossOriginIsolated !== undefined ? { pageCrossOriginIsolated } : {}),
      thread: p.thread,
      tfjs: tf.version.tfjs,
      adapter: await probeAdapter(),
      webgl: probeWebGl(),
    };
    report({ type: 'env', env });
    report({ type: 'progress', phase: `${p.backend}: setBackend`, expectMs: 120_000 });
    // The thread count is fixed when wasm starts: chosen as the app would for the first size.
    const [w0, h0] = p.sizes[0] ?? [256, 128];
    const backend = await startBackend(p.backend, p.wasmThreads, { preset: p.preset, width: w0, height: h0, batch: 2 });
    if (backend.ok) {
      report({ type: 'progress', phase: `${p.backend}: warm-up op`, expectMs: 120_000 });
      backend.warmUpMs = await warmUp();
    }
    report({ type: 'backend', report: backend });
    if (!backend.ok) return;

    let exceeded: { pixels: number; size: string } | undefined;
    for (const size of p.sizes) {
      const label = size.join('x');
      for (const stage of p.stages) {
        let r: Omit<StageRow, 'backend' | 'size' | 'stage'>;
        if (exceeded && size[0] * size[1] >= exceeded.pixels) {
          r = { skipped: exceeded.size === label ? `an earlier stage at ${label} exceeded the budget` : `${exceeded.size} already exceeded the budget` };
        } else {
          try {
            r = await benchStage(p, stage, size, report);
          } catch (err) {
            // e.g. wasm out of its 32-bit address space, or a lost GPU device: report and go on
            r = { skipped: `failed: ${messageOf(err)}` };
          }
          if (r.firstStepMs !== undefined && r.firstStepMs > p.budgetMs && (!exceeded || size[0] * size[1] < exceeded.pixels)) {
            exceeded = { pixels: size[0] * size[1], size: label };
          }
        }
        report({ type: 'row', row: { backend: p.backend, size: label, stage, ...r } });
      }
    }
    if (p.inference) {
      try {
        report({ type: 'inference', report: await inference(p, report) });
      } catch (err) {
        report({ type: 'inference', report: { runs: 0, notes: [`failed: ${messageOf(err)}`] } });
      }
    }
  } catch (err) {
    report({ type: 'error', message: messageOf(err) });
  } finally {
    report({ type: 'done' });
  }
}
