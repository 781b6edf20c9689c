// Helper threads for our wasm kernels (./conv.ts). tfjs's threaded build runs its kernels on a pool of its own
// (2 threads on a 2-core machine, at most 4: see src/train/wasmThreads.ts); ours would run on one. Where tfjs has
// N >= 2 threads (shared heap), N - 1 helper workers instantiate the same module on the same heap (./loader.ts starts
// them), and each call is cut into N parts (output channels of a weight gradient, rows otherwise): the calling thread
// computes the first, each helper one of the others. They meet through Atomics on a small shared control block each.
// A helper's answer is awaited with a timeout: a helper that fails or hangs is dropped and its part computed here, so
// a step never waits forever and never loses its result (cli/nodeWasmThreads.test.ts stops one under a step).
import type { NativeKernels } from './loader';

/** The kernels the helper thread can run, by the number it is sent (each takes its arguments, then a range). */
const KINDS = ['filter_grad', 'input_grad', 'conv_forward'] as const;
/** The most arguments a kernel takes, its range included. */
const MAX_ARGS = 21;
type Kind = (typeof KINDS)[number];

/**
 * Control block: [JOB] the job number (-1: quit), [DONE] the last job finished, [ERR] 1 if it threw, [READY] 1 once the
 * helper has its instance (read here without the event loop: a training loop may not yield to it), then the kernel
 * (an index in KINDS) and its arguments (up to MAX_ARGS).
 */
const JOB = 0;
const DONE = 1;
const ERR = 2;
const READY = 3;
const ARGS = 4;

/**
 * When to split and how long to wait. splitMinMacs: below this many multiply-adds one thread is faster than waking the
 * helpers (tiny layers). helperTimeoutMs: how long a step waits for a helper before it gives up on it. Only tests
 * change them (./testing.ts).
 */
export const poolSettings = { splitMinMacs: 2e6, helperTimeoutMs: 10_000 };

export interface Helper { ctrl: Int32Array; dead: boolean; job: number; stop: () => void }

/** The helpers started on the heap the kernels are loaded on (./loader.ts); a dropped one is taken out. */
let helpers: Helper[] = [];

/** The helpers as they are now (for ./testing.ts). */
export function poolHelpers(): readonly Helper[] {
  return helpers;
}

const helperReady = (h: Helper) => !h.dead && Atomics.load(h.ctrl, READY) === 1;

/** The helper's source: works as a browser Worker and as a Node worker_threads eval worker. */
const HELPER_SOURCE = `
const port = typeof require === 'function' ? require('worker_threads').parentPort : self;
port.addEventListener('message', (e) => {
  const { module, memory, sab } = e.data;
  const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const c = new Int32Array(sab);
  Atomics.store(c, ${READY}, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(c, ${JOB}, seen);
    const job = Atomics.load(c, ${JOB});
    if (job < 0) break;
    seen = job;
    try {
      const f = k[${JSON.stringify(KINDS)}[c[${ARGS}]]];
      f(...c.subarray(${ARGS + 1}, ${ARGS + 1 + MAX_ARGS}));
    } catch (err) {
      Atomics.store(c, ${ERR}, 1);
    }
    Atomics.store(c, ${DONE}, job);
    Atomics.notify(c, ${DONE});
  }
  if (typeof close === 'function') close();
}, { once: true });
if (typeof port.start === 'function') port.start();
`;

/** Whether this thread may block in Atomics.wait (not a page's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

function startHelper(module: WebAssembly.Module, memory: WebAssembly.Memory): Helper | null {
  if (!canBlock()) return null;
  const sab = new SharedArrayBuffer(4 * (ARGS + 1 + MAX_ARGS));
  const helper: Helper = { ctrl: new Int32Array(sab), dead: false, job: 0, stop: () => {} };
  try {
    const nodeThreads = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:worker_threads') as
      | { Worker: new (src: string, opts: { eval: boolean }) => { postMessage(m: unknown): void; once(ev: string, f: (m: unknown) => void): void; unref(): void; terminate(): void } }
      | undefined;
    if (nodeThreads) {
      const w = new nodeThreads.Worker(HELPER_SOURCE, { eval: true });
      w.unref();
      w.once('error', () => (helper.dead = true));
      w.postMessage({ module, memory, sab });
      helper.stop = () => w.terminate();
    } else if (typeof Worker !== 'undefined' && typeof Blob !== 'undefined') {
      const url = URL.createObjectURL(new Blob([HELPER_SOURCE], { type: 'text/javascript' }));
      const w = new Worker(url);
      w.addEventListener('error', () => (helper.dead = true));
      w.postMessage({ module, memory, sab });
      helper.stop = () => {
        w.terminate();
        URL.revokeObjectURL(url);
      };
    } else {
      return null;
    }
  } catch {
    return null;
  }
  return helper;
}

/** Stops a helper (its heap is no longer in use, or it failed). */
function dropHelper(helper: Helper | null): void {
  if (!helper) return;
  helper.dead = true;
  Atomics.store(helper.ctrl, JOB, -1);
  Atomics.notify(helper.ctrl, JOB);
  helper.stop();
}

/** Starts up to `n` helpers on `module` and `memory` (fewer where this thread may not block or workers cannot start). */
export function startHelpers(module: WebAssembly.Module, memory: WebAssembly.Memory, n: number): void {
  for (let i = 0; i < n; i++) {
    const h = startHelper(module, memory);
    if (!h) break;
    helpers.push(h);
  }
}

/** Stops every helper (their heap is no longer in use). */
export function stopHelpers(): void {
  for (const h of helpers) dropHelper(h);
  helpers = [];
}

/** Helpers started and not dead (some may still be starting). */
export function liveHelpers(): number {
  return helpers.filter((h) => !h.dead).length;
}

/** Whether a helper is still starting. */
export function helpersStarting(): boolean {
  return helpers.some((h) => !h.dead && !helperReady(h));
}

/** How many helper threads are up (for tests and the benchmark). */
export function nativeHelpersReady(): number {
  return helpers.filter(helperReady).length;
}

/** Whether at least one helper thread is up. */
export function nativeHelperReady(): boolean {
  return nativeHelpersReady() > 0;
}

/**
 * Runs `kind` over [0, end) of its range (output channels, or rows), cut at multiples of `align` into one part for
 * this thread and one for each helper that is up, where the job is worth waking them for; all of it here otherwise.
 */
export function splitRun(kernels: NativeKernels, kind: Kind, args: number[], end: number, align: number, macs: number, stats: { splitCalls: number }): void {
  const run = kernels[kind] as (...a: number[]) => void;
  const ready = macs < poolSettings.splitMinMacs ? [] : helpers.filter(helperReady);
  const parts = Math.min(ready.length + 1, Math.floor(end / align));
  if (parts < 2) {
    run(...args, 0, end);
    return;
  }
  // part i is [cut(i), cut(i + 1)); cut(0) = 0, cut(parts) = end
  const cut = (i: number) => (i === parts ? end : Math.round((i * end) / parts / align) * align);
  const jobs = ready.slice(0, parts - 1).map((h, i) => {
    const c = h.ctrl;
    const job = h.job + 1;
    h.job = job;
    c[ARGS] = KINDS.indexOf(kind);
    c.fill(0, ARGS + 1);
    c.set(args, ARGS + 1);
    c[ARGS + 1 + args.length] = cut(i + 1);
    c[ARGS + 2 + args.length] = cut(i + 2);
    Atomics.store(c, ERR, 0);
    Atomics.store(c, JOB, job);
    Atomics.notify(c, JOB);
    return { h, job, from: cut(i + 1), to: cut(i + 2) };
  });
  stats.splitCalls++;
  run(...args, 0, cut(1));
  const deadline = Date.now() + poolSettings.helperTimeoutMs;
  for (const { h, job, from, to } of jobs) {
    const c = h.ctrl;
    while (Atomics.load(c, DONE) !== job) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      Atomics.wait(c, DONE, job - 1, left);
    }
    if (Atomics.load(c, DONE) !== job || Atomics.load(c, ERR) !== 0) {
      // the helper failed or hangs: its part here, and that helper no more
      dropHelper(h);
      helpers = helpers.filter((x) => x !== h);
      run(...args, from, to);
    }
  }
}
