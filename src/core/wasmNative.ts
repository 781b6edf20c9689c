// Our own wasm SIMD kernels (src/core/wasm/kernels.c), run on tfjs's wasm heap in place: a convolution's forward pass
// (bias and activation included), its weight and bias gradients and its input gradient, for a conv of one input or of
// several concatenated on the channels (src/core/convParts.ts). Why: tfjs 4.22's wasm backend has no
// Conv2DBackpropFilter, and written as a Conv2D each call transposes its operands and makes XNNPACK pack the fresh
// output gradient, which costs more than the multiply-adds; its LeakyRelu runs at ~4.4 ns a value; and its forward
// convolution ran at 39-41 G multiply-adds/s on 2 threads where these run at 40-55 (BENCHMARKS.md, "Filter gradients
// through XNNPACK rebuild an operator every call" and "Our own wasm convolution kernels").
//
// The module imports tfjs's own WebAssembly.Memory, so it reads the tensors where they are and writes its outputs
// into tensors tfjs allocated. It has no stack and no data of its own (the build checks), so it touches nothing else
// on that heap. Where it cannot load (a browser without wasm SIMD, where tfjs runs its plain build), `nativeKernels()`
// is null and the layers use tfjs's FusedConv2D and the convolution-form gradients (src/core/convGrad.ts).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './wasm/kernelsWasm';

export interface NativeKernels {
  filter_grad(x: number, dy: number, dw: number, B: number, Hi: number, Wi: number, Cin: number, Ho: number, Wo: number, Cout: number, ldw: number, k: number, s: number, pad: number, coBegin: number, coEnd: number): void;
  bias_grad(dy: number, db: number, P: number, Cout: number, coBegin: number, coEnd: number): void;
  input_grad(dy: number, wT: number, dx: number, B: number, Hi: number, Wi: number, Cin: number, Ho: number, Wo: number, Cout: number, ldw: number, k: number, s: number, pad: number, rowBegin: number, rowEnd: number): void;
  conv_forward(x: number, w: number, bias: number, y: number, B: number, Hi: number, Wi: number, Cin: number, Ho: number, Wo: number, Cout: number, ldw: number, k: number, s: number, pad: number, act: number, slopeBits: number, first: number, last: number, rowBegin: number, rowEnd: number): void;
}

/** The kernels the helper thread can run, by the number it is sent (each takes its arguments, then a range). */
const KINDS = ['filter_grad', 'input_grad', 'conv_forward'] as const;
/** The most arguments a kernel takes, its range included. */
const MAX_ARGS = 21;
type Kind = (typeof KINDS)[number];

interface WasmTensorInfo { dataId: object; shape: number[]; dtype: tf.DataType }
interface WasmBackendLike {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory }; tfjs?: { getThreadsCount?: () => number } };
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): tf.TypedArray;
}

let loaded: { memory: WebAssembly.Memory; kernels: NativeKernels | null; module: WebAssembly.Module | null; helpers: Helper[] } | null = null;

// ---- more threads ------------------------------------------------------------------------------
// tfjs's threaded build runs its kernels on a pool of its own (2 threads on a 2-core machine, at most 4: see
// src/train/wasmThreads.ts); ours would run on one. Where tfjs has N >= 2 threads (shared heap), N - 1 helper
// workers instantiate the same module on the same heap, and each call is cut into N parts (output channels of a
// weight gradient, rows otherwise): the calling thread computes the first, each helper one of the others. They
// meet through Atomics on a small shared control block each. A helper's answer is awaited with a timeout: a
// helper that fails or hangs is dropped and its part computed here, so a step never waits forever and never
// loses its result.

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
/** Below this many multiply-adds one thread is faster than waking the helpers (tiny layers). */
let splitMinMacs = 2e6;

/** For tests: split even the smallest convolutions between the threads. */
export function setNativeSplitMin(macs: number): void {
  splitMinMacs = macs;
}

/** For tests: stops the first helper's thread without telling this side, which then finds out by the timeout it is given. */
export function killNativeHelperForTest(timeoutMs: number): void {
  helperTimeoutMs = timeoutMs;
  loaded?.helpers[0]?.stop();
}
/** How long a step waits for a helper before it gives up on it. */
let helperTimeoutMs = 10_000;

interface Helper { ctrl: Int32Array; dead: boolean; job: number; stop: () => void }

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

/** What the weight gradients (calls, macs, ms), the input gradients (inputMacs, inputMs) and the forward convolutions (forwardMacs, forwardMs) cost so far (for the benchmark: tf.profile does not see these calls). */
export const nativeStats = { calls: 0, macs: 0, ms: 0, splitCalls: 0, inputMacs: 0, inputMs: 0, forwardMacs: 0, forwardMs: 0 };

/** Threads our kernels run on: this one and the helpers started (some may still be starting); 0 where they do not load. */
export function nativeThreads(): number {
  return nativeKernels() ? 1 + (loaded?.helpers.filter((h) => !h.dead).length ?? 0) : 0;
}

/** How many helper threads are up (for tests and the benchmark). */
export function nativeHelpersReady(): number {
  return loaded ? loaded.helpers.filter(helperReady).length : 0;
}

/** Whether at least one helper thread is up. */
export function nativeHelperReady(): boolean {
  return nativeHelpersReady() > 0;
}

/** Resolves when every helper has started (or is dead), or after `timeoutMs`; true where at least one is up. */
export async function waitForNativeHelper(timeoutMs = 5000): Promise<boolean> {
  nativeKernels();
  const t0 = Date.now();
  const pending = () => (loaded?.helpers ?? []).some((h) => !h.dead && !helperReady(h));
  while (pending() && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 10));
  return nativeHelperReady();
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The kernels bound to the current wasm backend's heap, or null (another backend, or they cannot load here). */
export function nativeKernels(): NativeKernels | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as WasmBackendLike).wasm;
  // the threaded build imports its memory (Module.wasmMemory), the plain one exports it
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (!memory) return null;
  if (loaded?.memory === memory) return loaded.kernels;
  for (const h of loaded?.helpers ?? []) dropHelper(h);
  let kernels: NativeKernels | null = null;
  let module: WebAssembly.Module | null = null;
  const helpers: Helper[] = [];
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    module = new WebAssembly.Module(decode(shared ? KERNELS_WASM_SHARED : KERNELS_WASM));
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as NativeKernels;
    const threads = shared ? (wasm.tfjs?.getThreadsCount?.() ?? 1) : 1;
    for (let i = 1; i < threads; i++) {
      const h = startHelper(module, memory);
      if (!h) break;
      helpers.push(h);
    }
  } catch {
    kernels = null; // no wasm SIMD (tfjs then runs its plain build too): the convolution form it is
  }
  loaded = { memory, kernels, module, helpers };
  return kernels;
}

/**
 * Runs `kind` over [0, end) of its range (output channels, or rows), cut at multiples of `align` into one part for
 * this thread and one for each helper that is up, where the job is worth waking them for; all of it here otherwise.
 */
function splitRun(kernels: NativeKernels, kind: Kind, args: number[], end: number, align: number, macs: number): void {
  const run = kernels[kind] as (...a: number[]) => void;
  const ready = macs < splitMinMacs ? [] : (loaded?.helpers ?? []).filter(helperReady);
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
  nativeStats.splitCalls++;
  run(...args, 0, cut(1));
  const deadline = Date.now() + helperTimeoutMs;
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
      if (loaded) loaded.helpers = loaded.helpers.filter((x) => x !== h);
      run(...args, from, to);
    }
  }
}

type Shape4 = [number, number, number, number];
const ACTS = { linear: 0, relu: 1, lrelu: 2 } as const;
export type NativeActivation = keyof typeof ACTS;

function loadedKernels(op: string): NativeKernels {
  const kernels = nativeKernels();
  if (!kernels) throw new Error(`${op}: the wasm kernels are not loaded on this backend`);
  return kernels;
}

const outSize = (n: number, k: number, stride: number, pad: number) => Math.floor((n + 2 * pad - k) / stride) + 1;

/** Byte offset of a tensor's data on the wasm heap (after any allocation: one may grow the heap). */
function heapOffset(t: tf.Tensor | WasmTensorInfo): number {
  return (tf.backend() as unknown as WasmBackendLike).typedArrayFromHeap(t as unknown as WasmTensorInfo).byteOffset;
}

/** The inputs of a conv whose input is `xs` concatenated on the channels: same batch and size, float32, channels adding up to w's. */
function checkParts(op: string, xs: readonly Shape4[], w: tf.Tensor4D): void {
  const [B, Hi, Wi] = xs[0];
  const total = xs.reduce((a, x) => a + x[3], 0);
  if (xs.some((x) => x[0] !== B || x[1] !== Hi || x[2] !== Wi) || total !== w.shape[2] || w.shape[0] !== w.shape[1] || w.dtype !== 'float32') {
    throw new Error(`${op}: inputs ${xs.map((x) => `[${x}]`).join(' + ')} do not fit the filter [${w.shape}]`);
  }
}

/**
 * A k x k convolution of `xs` concatenated on the channels (without the concatenation), zero-padded by `pad` on each
 * side at `stride`, plus bias, then the activation (leaky ReLU: max(z, slope z), what tfjs's LeakyRelu computes):
 * xs [B, Hi, Wi, C_i], w [k, k, sum C_i, Cout], b [Cout] -> [B, Ho, Wo, Cout]. Needs `nativeKernels()`.
 */
export function convForwardPartsNative(xs: tf.Tensor4D[], w: tf.Tensor4D, bias: tf.Tensor1D, stride: number, pad: number, act: NativeActivation, slope: number): tf.Tensor4D {
  const kernels = loadedKernels('convForwardNative');
  checkParts('convForwardNative', xs.map((x) => x.shape), w);
  if (xs.some((x) => x.dtype !== 'float32') || bias.dtype !== 'float32' || bias.shape[0] !== w.shape[3]) {
    throw new Error(`convForwardNative: expected float32 inputs and a bias of ${w.shape[3]} values for the filter [${w.shape}], got bias [${bias.shape}]`);
  }
  const [B, Hi, Wi] = xs[0].shape;
  const [k, , ldw, Cout] = w.shape;
  const Ho = outSize(Hi, k, stride, pad);
  const Wo = outSize(Wi, k, stride, pad);
  const yInfo = (tf.backend() as unknown as WasmBackendLike).makeOutput([B, Ho, Wo, Cout], 'float32');
  const slopeBits = new Int32Array(Float32Array.of(slope).buffer)[0];
  const rows = B * Ho;
  const t0 = performance.now();
  let macs = 0;
  let off = 0;
  xs.forEach((x, i) => {
    const Cin = x.shape[3];
    const m = B * Ho * Wo * k * k * Cin * Cout;
    const args = [heapOffset(x), heapOffset(w) + 4 * off * Cout, heapOffset(bias), heapOffset(yInfo), B, Hi, Wi, Cin, Ho, Wo, Cout, ldw, k, stride, pad, ACTS[act], slopeBits, i === 0 ? 1 : 0, i === xs.length - 1 ? 1 : 0];
    splitRun(kernels, 'conv_forward', args, rows, 1, m);
    macs += m;
    off += Cin;
  });
  nativeStats.forwardMs += performance.now() - t0;
  nativeStats.forwardMacs += macs;
  return tf.engine().makeTensorFromTensorInfo(yInfo as unknown as tf.TensorInfo) as tf.Tensor4D;
}

/** convForwardPartsNative of one input. */
export function convForwardNative(x: tf.Tensor4D, w: tf.Tensor4D, bias: tf.Tensor1D, stride: number, pad: number, act: NativeActivation, slope: number): tf.Tensor4D {
  return convForwardPartsNative([x], w, bias, stride, pad, act, slope);
}

/**
 * d(loss)/d(filter) and d(loss)/d(bias) of a k x k convolution of `xs` concatenated on the channels, zero-padded by
 * `pad` on each side at `stride`: xs [B, Hi, Wi, C_i], dz [B, Ho, Wo, Cout] (the gradient of the output before the
 * activation) -> [k, k, sum C_i, Cout] and [Cout]. Needs `nativeKernels()`.
 */
export function filterBiasGradPartsNative(xs: tf.Tensor4D[], dz: tf.Tensor4D, k: number, stride: number, pad: number): [tf.Tensor4D, tf.Tensor1D] {
  const kernels = loadedKernels('filterBiasGradNative');
  const [B, Hi, Wi] = xs[0].shape;
  const [Bz, Ho, Wo, Cout] = dz.shape;
  const ldw = xs.reduce((a, x) => a + x.shape[3], 0);
  if (xs.some((x) => x.dtype !== 'float32' || x.shape[0] !== B || x.shape[1] !== Hi || x.shape[2] !== Wi) || dz.dtype !== 'float32' || Bz !== B || Ho !== outSize(Hi, k, stride, pad) || Wo !== outSize(Wi, k, stride, pad)) {
    throw new Error(`filterBiasGradNative: output gradient [${dz.shape}] does not fit a ${k}x${k} stride-${stride} conv of ${xs.map((x) => `[${x.shape}]`).join(' + ')} padded by ${pad}`);
  }
  const b = tf.backend() as unknown as WasmBackendLike;
  const dwInfo = b.makeOutput([k, k, ldw, Cout], 'float32');
  const dbInfo = b.makeOutput([Cout], 'float32');
  const t0 = performance.now();
  let macs = 0;
  let off = 0;
  for (const x of xs) {
    const Cin = x.shape[3];
    const m = B * Ho * Wo * k * k * Cin * Cout;
    // cut at multiples of 8 output channels (the loop's widest tile)
    splitRun(kernels, 'filter_grad', [heapOffset(x), heapOffset(dz), heapOffset(dwInfo) + 4 * off * Cout, B, Hi, Wi, Cin, Ho, Wo, Cout, ldw, k, stride, pad], Cout, 8, m);
    macs += m;
    off += Cin;
  }
  kernels.bias_grad(heapOffset(dz), heapOffset(dbInfo), B * Ho * Wo, Cout, 0, Cout);
  nativeStats.ms += performance.now() - t0;
  nativeStats.calls++;
  nativeStats.macs += macs;
  const engine = tf.engine();
  return [engine.makeTensorFromTensorInfo(dwInfo as unknown as tf.TensorInfo) as tf.Tensor4D, engine.makeTensorFromTensorInfo(dbInfo as unknown as tf.TensorInfo) as tf.Tensor1D];
}

/** filterBiasGradPartsNative of one input. */
export function filterBiasGradNative(xin: tf.Tensor4D, dz: tf.Tensor4D, k: number, stride: number, pad: number): [tf.Tensor4D, tf.Tensor1D] {
  return filterBiasGradPartsNative([xin], dz, k, stride, pad);
}

/**
 * d(loss)/d(input) of each of `xShapes`, the inputs of a k x k convolution of their concatenation on the channels,
 * zero-padded by `pad` on each side at `stride`: dz [B, Ho, Wo, Cout], w [k, k, sum C_i, Cout] -> [B, Hi, Wi, C_i] each.
 * At stride 2 it skips the zeros a dilated output gradient would have (a quarter of the multiply-adds of that form).
 * Needs `nativeKernels()`.
 */
export function inputGradPartsNative(dz: tf.Tensor4D, w: tf.Tensor4D, xShapes: Shape4[], stride: number, pad: number): tf.Tensor4D[] {
  const kernels = loadedKernels('inputGradNative');
  checkParts('inputGradNative', xShapes, w);
  const [B, Hi, Wi] = xShapes[0];
  const [Bz, Ho, Wo, Cout] = dz.shape;
  const [k, , ldw] = w.shape;
  if (w.shape[3] !== Cout || Bz !== B || Ho !== outSize(Hi, k, stride, pad) || Wo !== outSize(Wi, k, stride, pad) || dz.dtype !== 'float32') {
    throw new Error(`inputGradNative: output gradient [${dz.shape}] and filter [${w.shape}] do not fit a stride-${stride} conv of ${xShapes.map((x) => `[${x}]`).join(' + ')} padded by ${pad}`);
  }
  return tf.tidy(() => {
    const wT = tf.transpose(w, [0, 1, 3, 2]); // [k, k, Cout, sum C_i]: input channels contiguous
    const b = tf.backend() as unknown as WasmBackendLike;
    const infos = xShapes.map((shape) => b.makeOutput(shape, 'float32'));
    const rows = B * Hi;
    const t0 = performance.now();
    let off = 0;
    xShapes.forEach((shape, i) => {
      const Cin = shape[3];
      // each tap reaches about 1 / stride^2 of the input pixels
      const macs = (B * Hi * Wi * k * k * Cin * Cout) / (stride * stride);
      splitRun(kernels, 'input_grad', [heapOffset(dz), heapOffset(wT) + 4 * off, heapOffset(infos[i]), B, Hi, Wi, Cin, Ho, Wo, Cout, ldw, k, stride, pad], rows, 1, macs);
      nativeStats.inputMacs += macs;
      off += Cin;
    });
    nativeStats.inputMs += performance.now() - t0;
    return infos.map((info) => tf.engine().makeTensorFromTensorInfo(info as unknown as tf.TensorInfo) as tf.Tensor4D);
  });
}

/** inputGradPartsNative of one input. */
export function inputGradNative(dz: tf.Tensor4D, w: tf.Tensor4D, xShape: Shape4, stride: number, pad: number): tf.Tensor4D {
  return inputGradPartsNative(dz, w, [xShape], stride, pad)[0];
}
