// Test page: the WGSL kernels of src/backends/webgpu/ against the stock-op versions of the
// same ops, on the WebGPU backend, for values and gradients on random inputs, and the number of
// kernel dispatches of each. Exposes `window.__kernelCheck()` for e2e/kernels.spec.ts.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { Adam } from '../../src/core/adam';
import { setAccelerated } from '../../src/core/accelerated';
import { correlation1d } from '../../src/core/correlation';
import { photometricError } from '../../src/core/photometric';
import { smoothness } from '../../src/core/smoothness';
import type { DispT, ImageT } from '../../src/core/types';
import { upsampleDisparity } from '../../src/core/resize';
import { warpH } from '../../src/core/warp';
import { conv } from '../../src/model/layers';
import { registerWebgpuKernels } from '../../src/backends/webgpu';

registerWebgpuKernels();

export interface KernelCase {
  name: string;
  /** max |ours - stock| / max |stock| over the value and each gradient */
  valueErr: number;
  gradErrs: number[];
  /** kernels of one forward + backward: ours, stock */
  kernels: [number, number];
}

async function relErr(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [x, y] = [await a.data(), await b.data()];
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return num / den;
}

/** Value and gradients of sum(f(inputs) * R) with the accelerated ops on or off, and the kernel count. */
async function evaluate(accel: boolean, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], R: tf.Tensor) {
  setAccelerated(accel);
  try {
    const value = f(...inputs);
    const loss = (...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), R)) as tf.Scalar;
    const grads = tf.grads(loss)(inputs);
    const prof = await tf.profile(() => {
      const g = tf.grads(loss)(inputs);
      tf.dispose(g);
    });
    return { value, grads, kernels: prof.kernels.length };
  } finally {
    setAccelerated(true);
  }
}

async function compare(name: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], outShape: number[]): Promise<KernelCase> {
  const R = tf.randomUniform(outShape, -1, 1, 'float32', 11);
  const ours = await evaluate(true, f, inputs, R);
  const stock = await evaluate(false, f, inputs, R);
  const res: KernelCase = {
    name,
    valueErr: await relErr(ours.value, stock.value),
    gradErrs: await Promise.all(ours.grads.map((g, i) => relErr(g, stock.grads[i]))),
    kernels: [ours.kernels, stock.kernels],
  };
  tf.dispose([R, ours.value, stock.value, ...ours.grads, ...stock.grads]);
  return res;
}

declare global {
  interface Window {
    __kernelCheck?: () => Promise<{ backend: string; cases: KernelCase[]; leaked: number }>;
  }
}

window.__kernelCheck = async () => {
  await tf.setBackend('webgpu');
  await tf.ready();
  const before = tf.memory().numTensors;
  const cases: KernelCase[] = [];
  const [B, H, W, C] = [2, 3, 13, 5];
  const fL = tf.randomUniform([B, H, W, C], -1, 1, 'float32', 1);
  const fR = tf.randomUniform([B, H, W, C], -1, 1, 'float32', 2);
  for (const [minK, maxK] of [[-3, 3], [0, 6], [2, 4]]) {
    cases.push(await compare(`correlation1d [${minK}, ${maxK}]`, (a, b) => correlation1d(a as tf.Tensor4D, b as tf.Tensor4D, minK, maxK), [fL, fR], [B, H, W, maxK - minK + 1]));
  }
  const img = tf.randomUniform([B, H, W, 3], 0, 1, 'float32', 3);
  // disparities that reach past both borders (clamped samples) as well as inside
  const d = tf.randomUniform([B, H, W, 1], -4, 9, 'float32', 4) as DispT;
  for (const sign of [-1, 1] as const) {
    cases.push(await compare(`warpH sign ${sign}, disparity gradient`, (dd) => warpH(img as tf.Tensor4D, dd as DispT, sign), [d], [B, H, W, 3]));
    cases.push(await compare(`warpH sign ${sign}, image and disparity gradients`, (im, dd) => warpH(im as tf.Tensor4D, dd as DispT, sign, { imageGrad: true }), [img, d], [B, H, W, 3]));
  }
  // The photometric error (SSIM + L1): values and the gradients of both inputs; the edge-aware smoothness
  // (its image is a constant): value and the disparity's gradient, with disparities of different means per item.
  const img2 = tf.randomUniform([B, H + 2, W, 3], 0, 1, 'float32', 5);
  const img3 = tf.randomUniform([B, H + 2, W, 3], 0, 1, 'float32', 6);
  cases.push(await compare('photometricError, both gradients', (p, q) => photometricError(p as tf.Tensor4D, q as tf.Tensor4D, { gradA: true }), [img2, img3], [B, H + 2, W, 1]));
  const d2 = tf.randomUniform([B, H + 2, W, 1], 0.5, 9, 'float32', 7);
  cases.push(await compare('smoothness, disparity gradient', (dd) => smoothness(dd as DispT, img2 as ImageT), [d2], []));
  tf.dispose([img2, img3, d2]);
  // Disparity upsampling (bilinear 2x a level, edges replicated, times 2 a level), one and two levels,
  // on a map with an odd size and on one a pixel high (every tap clamped on that axis).
  for (const [shape, levels] of [[[B, 3, 5, 1], 1], [[B, 3, 5, 1], 2], [[1, 1, 4, 1], 1]] as [[number, number, number, number], number][]) {
    const m = tf.randomUniform(shape, 0, 8, 'float32', 12);
    const f = 2 ** levels;
    cases.push(await compare(`upsampleDisparity ${shape[1]}x${shape[2]}, ${levels} level(s)`, (x) => upsampleDisparity(x as DispT, levels), [m], [shape[0], shape[1] * f, shape[2] * f, 1]));
    m.dispose();
  }
  // Conv layers (src/model/layers.ts conv): fused forward + hand-written backward vs pad, conv, add, activation.
  const x = tf.randomUniform([B, 8, 12, 4], -1, 1, 'float32', 7) as tf.Tensor4D;
  const bias = tf.randomUniform([6], -0.5, 0.5, 'float32', 8) as tf.Tensor1D;
  for (const [k, stride, act] of [[3, 1, 'lrelu'], [3, 2, 'lrelu'], [3, 1, 'linear'], [1, 1, 'relu'], [5, 2, 'relu']] as const) {
    const w = tf.randomNormal([k, k, 4, 6], 0, 0.3, 'float32', 9) as tf.Tensor4D;
    const out = [B, 8 / stride, 12 / stride, 6];
    cases.push(await compare(`conv ${k}x${k} stride ${stride} ${act}`, (xx, ww, bb) => conv(xx as tf.Tensor4D, ww as tf.Variable, bb as tf.Variable, stride, act), [x, w, bias], out));
    if (k === 3 && stride === 1 && act === 'lrelu') {
      cases.push(await compare(`conv ${k}x${k} stride ${stride} ${act}, no input gradient`, (ww, bb) => conv(x, ww as tf.Variable, bb as tf.Variable, stride, act, { inputGrad: false }), [w, bias], out));
    }
    w.dispose();
  }
  tf.dispose([fL, fR, img, d, x, bias]);
  return { backend: tf.getBackend(), cases, leaked: tf.memory().numTensors - before };
};

declare global {
  interface Window {
    __stepKernels?: (design?: 'match' | 'regress') => Promise<{
      backend: string; ours: number; stock: number; top: [string, number][];
      /** real GPU dispatches of the loss and its gradients, and of the whole step (gradients + Adam update) */
      dispatches: { ours: number; stock: number; stepOurs: number; stepStock: number };
      /** the whole step's dispatches with ours, by program (our WGSL keys; 'tfjs' for the rest) */
      byProgram: [string, number][];
    }>;
    __adamCheck?: () => Promise<{ backend: string; maxErr: number; moved: number; dispatches: { ours: number; stock: number }; leaked: number }>;
  }
}

/**
 * Counts the compute passes' real dispatches (`dispatchWorkgroups` calls): tf.profile counts kernel
 * calls, and Identity, Reshape and same-type Cast calls are not GPU work on WebGPU.
 */
function countDispatches(): { readonly n: number; readonly byProgram: Map<string, number>; restore: () => void } {
  const proto = GPUComputePassEncoder.prototype;
  const original = proto.dispatchWorkgroups;
  const c = { n: 0, byProgram: new Map<string, number>(), restore: () => { proto.dispatchWorkgroups = original; } };
  proto.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args: Parameters<typeof original>) {
    c.n += 1;
    const name = programOf.get(this) ?? 'tfjs';
    c.byProgram.set(name, (c.byProgram.get(name) ?? 0) + 1);
    return original.apply(this, args);
  };
  return c;
}

// Which program each dispatch runs: our WGSL programs carry their key as a comment (src/backends/webgpu/program.ts);
// shader module -> key, pipeline -> key, pass encoder -> the key of the pipeline it last set. Installed before any
// pipeline exists (tfjs makes them on first use and caches them).
const moduleKey = new WeakMap<GPUShaderModule, string>();
const pipelineKey = new WeakMap<GPUComputePipeline, string>();
const programOf = new WeakMap<GPUComputePassEncoder, string>();
{
  const dev = GPUDevice.prototype;
  const createModule = dev.createShaderModule;
  dev.createShaderModule = function (this: GPUDevice, d: GPUShaderModuleDescriptor) {
    const m = createModule.call(this, d);
    const key = /\/\/ (rd_\w+)/.exec(d.code)?.[1];
    if (key) moduleKey.set(m, key);
    return m;
  };
  const keyOf = (d: GPUComputePipelineDescriptor) => moduleKey.get(d.compute.module) ?? 'tfjs';
  const createPipeline = dev.createComputePipeline;
  dev.createComputePipeline = function (this: GPUDevice, d: GPUComputePipelineDescriptor) {
    const p = createPipeline.call(this, d);
    pipelineKey.set(p, keyOf(d));
    return p;
  };
  const createPipelineAsync = dev.createComputePipelineAsync;
  dev.createComputePipelineAsync = async function (this: GPUDevice, d: GPUComputePipelineDescriptor) {
    const p = await createPipelineAsync.call(this, d);
    pipelineKey.set(p, keyOf(d));
    return p;
  };
  const setPipeline = GPUComputePassEncoder.prototype.setPipeline;
  GPUComputePassEncoder.prototype.setPipeline = function (this: GPUComputePassEncoder, p: GPUComputePipeline) {
    programOf.set(this, pipelineKey.get(p) ?? 'tfjs');
    return setPipeline.call(this, p);
  };
}

/** Adam's WGSL update (three dispatches a variable) against the stock-op update, over a few steps. */
window.__adamCheck = async () => {
  await tf.setBackend('webgpu');
  await tf.ready();
  const shapes = [[3, 3, 4, 8], [8], [16, 33]];
  const make = () => shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', 20 + i)));
  const ours = make();
  const stock = make();
  const start = await Promise.all(ours.map((v) => v.data()));
  const [a, b] = [new Adam(1e-2), new Adam(1e-2)];
  const counter = countDispatches();
  const dispatches = { ours: 0, stock: 0 };
  let leaked = 0;
  for (let step = 0; step < 4; step++) {
    const g = shapes.map((s, i) => tf.randomNormal(s, 0, 1 + step, 'float32', 40 + 10 * step + i));
    const before = tf.memory().numTensors;
    for (const [opt, vars, accel] of [[a, ours, true], [b, stock, false]] as const) {
      setAccelerated(accel);
      try {
        opt.learningRate = 1e-2 / (1 + step);
        const n0 = counter.n;
        opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, g[i]])));
        await vars[0].data();
        if (step === 3) dispatches[accel ? 'ours' : 'stock'] = counter.n - n0;
      } finally {
        setAccelerated(true);
      }
    }
    if (step > 0) leaked += tf.memory().numTensors - before; // the moments are made at the first step
    tf.dispose(g);
  }
  counter.restore();
  let maxErr = 0;
  let moved = 0;
  for (let i = 0; i < shapes.length; i++) {
    const [x, y] = [await ours[i].data(), await stock[i].data()];
    for (let j = 0; j < x.length; j++) {
      maxErr = Math.max(maxErr, Math.abs(x[j] - y[j]));
      moved = Math.max(moved, Math.abs(x[j] - start[i][j]));
    }
  }
  a.dispose();
  b.dispose();
  tf.dispose([...ours, ...stock]);
  return { backend: tf.getBackend(), maxErr, moved, dispatches, leaked };
};

/** Kernels dispatched by one stage-1 training step (tiny StereoNet of `design`, 64x32, both views) with our kernels and with stock ops. */
window.__stepKernels = async (design: 'match' | 'regress' = 'match') => {
  const { buildStereoNet, stereoNetConfig } = await import('../../src/model');
  const { stereoLoss } = await import('../../src/train/stages/losses');
  await tf.setBackend('webgpu');
  await tf.ready();
  // 'regress': the tiny network as it was when the bounds in kernels.spec.ts were measured (before 5bda7c5)
  const net = buildStereoNet(design === 'match' ? stereoNetConfig('tiny') : stereoNetConfig('tiny', { design: 'regress', coarseRange: 4, maxDisp: 96 }));
  const l = tf.randomUniform([1, 32, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
  const r = tf.randomUniform([1, 32, 64, 3], 0, 1, 'float32', 6) as tf.Tensor4D;
  const top: [string, number][] = [];
  const counter = countDispatches();
  const opt = new Adam(1e-5);
  // make Adam's moments now (zero gradients leave the weights as they are), so the counts below are a steady-state step's
  const zeros = Object.fromEntries(net.params.list().map((v) => [v.name, tf.zerosLike(v)]));
  opt.applyGradients(zeros);
  tf.dispose(Object.values(zeros));
  const dispatches = { ours: 0, stock: 0, stepOurs: 0, stepStock: 0 };
  const count = async (accel: boolean) => {
    setAccelerated(accel);
    try {
      const p = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => stereoLoss(net, l, r, 1e-3).total, net.params.list());
        tf.dispose([value, ...Object.values(grads)]);
      });
      const before = counter.n;
      counter.byProgram.clear();
      const { value, grads } = tf.variableGrads(() => stereoLoss(net, l, r, 1e-3).total, net.params.list());
      await value.data();
      dispatches[accel ? 'ours' : 'stock'] = counter.n - before;
      opt.applyGradients(grads); // the rest of a training step (src/train/stages/units.ts optimise)
      await net.params.list()[0].data();
      dispatches[accel ? 'stepOurs' : 'stepStock'] = counter.n - before;
      tf.dispose([value, ...Object.values(grads)]);
      if (accel) {
        byProgram.push(...[...counter.byProgram.entries()].sort((a, b) => b[1] - a[1]));
        const byName = new Map<string, number>();
        for (const k of p.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + 1);
        top.push(...[...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15));
      }
      return p.kernels.length;
    } finally {
      setAccelerated(true);
    }
  };
  const byProgram: [string, number][] = [];
  const res = { backend: tf.getBackend(), ours: await count(true), stock: await count(false), top, dispatches, byProgram };
  counter.restore();
  opt.dispose();
  tf.dispose([l, r]);
  net.dispose();
  return res;
};
