// How many threads the wasm backend gets (tfjs's pool; our kernels add one helper per thread beyond the
// first: src/backends/wasm/), and how to make tfjs honour it.
//
// tfjs' threaded wasm build sizes its pool at half of `navigator.hardwareConcurrency` (at most 4;
// it assumes two hardware threads per core) and caps an explicit `setThreadsCount` at the same
// figure, so a 2-core machine trains on one thread whatever is asked. Measured on the 2-core test
// machine in headless Chromium with the app's own wasm convolution kernels (BENCHMARKS.md, "Two wasm
// threads on a two-core machine": `npm run bench:browser -- --backends wasm --wasm-threads 1|2`, three
// runs each, median ms a step of stages 1 / 2 / 3, default preset, batch 2):
//   - 384x192 (the shipped model's crop): 1 thread 820-847 / 307-333 / 1,049-1,515, 2 threads
//     727-966 / 264-314 / 820-1,013: two win stages 2 and 3 in every run, stage 1 in two of three;
//   - 256x128 (the default settings): 1 thread 383-761 / 160-288 / 493-504, 2 threads 359-443 /
//     200-253 / 535-646: one wins stages 2 and 3 in every run;
//   - smaller steps lose more with two: 128x64 159-161 / 57-67 / 161-171 against 205-241 / 82-94 /
//     188-203; tiny at 64x32 122 / 70 / 95 against 163 / 78 / 108.
// (Before those kernels, when XNNPACK ran the convolutions, two threads already won from 256x128x2.)
// So on a machine with at most 2 logical cores the worker uses both when the step it plans for
// trains the default preset on at least 384x192x2 pixels, else one; with more cores, tfjs' own choice
// stands (not measured here). The step planned for is that of the settings the page starts with
// (from the URL, or the defaults), or the shipped model's when a plain visit loads it
// (src/state/store.ts). The count is fixed when the wasm module starts: settings changed later keep
// it. `?wasmThreads=N` asks for N.
//
// `planWasmThreads` is pure (tested in wasmThreads.test.ts); `applyWasmThreads` must run in the
// worker before the wasm backend initialises.
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** tfjs' own upper bound on its default pool. */
export const DEFAULT_MAX_WASM_THREADS = 4;
/** The emscripten pthread pool that tfjs' threaded build preallocates: more would need new workers mid-run. */
export const MAX_WASM_THREADS = 8;

export interface WasmThreadPlan {
  threads: number;
  /** Why, as a clause for the backend panel: the default from the core count, or the `?wasmThreads=` request. */
  note: string;
}

/** What one training step holds, for the thread choice. */
export interface StepSize {
  preset: 'tiny' | 'default';
  width: number;
  height: number;
  batch: number;
}

/** Crop pixels x batch from which two threads beat one on two cores (default preset; 384x192, batch 2). */
export const TWO_THREAD_MIN_PIXELS = 384 * 192 * 2;

/**
 * Threads for wasm from the logical core count, an optional request (`?wasmThreads=N`) and the
 * step the run starts with. A request is kept within 1..8. Otherwise: on at most 2 cores, both
 * for a default-preset step of at least 384x192x2 pixels, else one; on more, half the cores, at
 * most 4 (tfjs' own choice). `option` names the override in the note (the CLI's is `--threads `).
 */
export function planWasmThreads(hardwareConcurrency: number | undefined, requested?: number, step?: StepSize, option = '?wasmThreads='): WasmThreadPlan {
  const cores = Number.isFinite(hardwareConcurrency) && (hardwareConcurrency ?? 0) >= 1 ? Math.floor(hardwareConcurrency!) : 1;
  if (requested !== undefined && Number.isFinite(requested)) {
    const r = Math.round(requested);
    const threads = Math.min(MAX_WASM_THREADS, Math.max(1, r));
    const note = threads === r ? `as asked with ${option}${r}, on ${cores} logical cores` : `${option}${r} is outside 1..${MAX_WASM_THREADS}, so ${threads}`;
    return { threads, note };
  }
  if (cores === 1) return { threads: 1, note: 'one logical core' };
  if (cores === 2) {
    const big = step !== undefined && step.preset === 'default' && step.width * step.height * step.batch >= TWO_THREAD_MIN_PIXELS;
    return big
      ? { threads: 2, note: `both logical cores, for the default network on crops of 384x192x2 pixels or more; ${option}1 for one` }
      : { threads: 1, note: `one of the 2 logical cores: two are slower for steps below the default network on 384x192x2 pixels; ${option}2 for both` };
  }
  const threads = Math.min(DEFAULT_MAX_WASM_THREADS, Math.floor(cores / 2));
  return { threads, note: `half the ${cores} logical cores, at most ${DEFAULT_MAX_WASM_THREADS}, as tfjs chooses` };
}

/**
 * Asks tfjs for `threads` wasm threads. Call before `tf.setBackend('wasm')`. tfjs' module reads
 * `navigator.hardwareConcurrency` and caps the pool at half of it, so where that is too low the
 * worker's own navigator reports twice the threads asked (an own property of this worker's
 * navigator object: nothing outside the worker sees it). Without cross-origin isolation the
 * single-threaded build loads and this changes nothing.
 */
export function applyWasmThreads(threads: number): void {
  setThreadsCount(threads);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav === undefined || (nav.hardwareConcurrency ?? 0) >= 2 * threads) return;
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  } catch {
    // A navigator that refuses the property keeps tfjs' own cap; the ready message reports the real count.
  }
}
