// How many threads the wasm backend gets (tfjs's pool; our kernels add one helper per thread beyond the
// first: src/core/wasmNative.ts), and how to make tfjs honour it.
//
// tfjs' threaded wasm build sizes its pool at half of `navigator.hardwareConcurrency` (at most 4;
// it assumes two hardware threads per core) and caps an explicit `setThreadsCount` at the same
// figure, so a 2-core machine trains on one thread whatever is asked. Measured at 22b61e1, before the
// app's own wasm convolution kernels (XNNPACK ran the convolutions then), on the 2-core test machine
// in headless Chromium (BENCHMARKS.md, "Two wasm threads on a two-core machine"), two threads against one:
//   - default preset, 256x128, batch 2 (the app's default settings): stage 1 1,362 -> 1,097 ms,
//     stage 2 361 -> 295, stage 3 1,764 -> 1,216 ms a step: the convolutions run x1.8 faster;
//   - smaller steps lose: default preset at 128x64 388 -> 480 ms, tiny at 64x32 72 -> 145 ms.
//     Every XNNPACK op then wakes the second thread, and on two cores it competes with the page.
// So on a machine with at most 2 logical cores the worker uses both when the settings it starts
// with (from the URL, or the defaults) train the default preset on at least 256x128x2 pixels a
// step, else one; with more cores, tfjs' own choice stands (not measured here). The rule was not
// measured again once src/core/wasmNative.ts ran the convolutions, with N - 1 helper threads. The count is
// fixed when the wasm module starts: settings changed later keep it. `?wasmThreads=N` asks for N.
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

/** Crop pixels x batch from which two threads beat one on two cores (default preset; 256x128, batch 2). */
export const TWO_THREAD_MIN_PIXELS = 256 * 128 * 2;

/**
 * Threads for wasm from the logical core count, an optional request (`?wasmThreads=N`) and the
 * step the run starts with. A request is kept within 1..8. Otherwise: on at most 2 cores, both
 * for a default-preset step of at least 256x128x2 pixels, else one; on more, half the cores, at
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
      ? { threads: 2, note: `both logical cores, for the default network on crops of 256x128x2 pixels or more; ${option}1 for one` }
      : { threads: 1, note: `one of the 2 logical cores: two are slower for steps below the default network on 256x128x2 pixels; ${option}2 for both` };
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
