// The browser benchmark's measurement: runs in the bench worker (as the app trains) or on the
// page (thread=main). What is measured and how is the benchmark core's (src/bench/core.ts), the
// same as in the Node benchmark (cli/bench.ts); this file only starts the backend as the app does.
//
// Per backend: start it and check tf.getBackend() really is it (tfjs falls back silently); the
// app's warm-up op; then every size and stage (core.ts benchStages: the step timer and the
// profiled step), then inference of both networks (core.ts timeInference). Every result and
// every phase goes out through `report`. Read-backs are `await t.data()`, never dataSync.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { applyWasmThreads, planWasmThreads, type StepSize } from '../train/wasmThreads';
import { fastWasmKernelsActive, nativeKernels, registerWasmKernels, waitForNativeHelper } from '../backends/wasm';
import { registerWebgpuKernels } from '../backends/webgpu';
// Importing the app's backend module points the wasm backend at the binaries Vite serves
// (setWasmPaths with the same ?url imports), exactly as in the training worker.
import { messageOf, probeWebGl, warmUp } from '../train/backend';
import { benchStages, timeInference } from './core';
import type { AdapterReport, BackendReport, BenchEnv, BenchMsg, BenchParams } from './types';

type Report = (msg: BenchMsg) => void;

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

    const progress = (phase: string, expectMs: number) => report({ type: 'progress', phase, expectMs });
    const opts = { preset: p.preset, steps: p.steps, warmup: p.warmup, budgetMs: p.budgetMs, onPhase: progress };
    await benchStages(p.backend, p.sizes, p.stages, opts, (row) => report({ type: 'row', row }));
    if (p.inference) {
      try {
        report({ type: 'inference', report: await timeInference(p.preset, p.budgetMs, progress) });
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
