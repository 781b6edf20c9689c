import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTensor, relError } from '../../testing/gradcheck';
import { convPartsOp } from '../../core/conv';
import { nativeConvKernels } from './convLayer';
import { convForwardNative, filterBiasGradNative, inputGradNative } from './conv';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './kernelsWasm';
import { nativeKernels, type NativeKernels } from './loader';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Plain-loop reference in float64: dW[kh, kw, ci, co] and db[co] of a k x k conv of x padded by pad at stride s. */
function reference(x: Float32Array, [B, Hi, Wi, Cin]: number[], d: Float32Array, [, Ho, Wo, Cout]: number[], k: number, s: number, pad: number) {
  const dw = new Float64Array(k * k * Cin * Cout);
  const db = new Float64Array(Cout);
  for (let b = 0; b < B; b++) for (let yo = 0; yo < Ho; yo++) for (let xo = 0; xo < Wo; xo++) {
    const dOff = ((b * Ho + yo) * Wo + xo) * Cout;
    for (let co = 0; co < Cout; co++) db[co] += d[dOff + co];
    for (let kh = 0; kh < k; kh++) for (let kw = 0; kw < k; kw++) {
      const yi = yo * s + kh - pad;
      const xi = xo * s + kw - pad;
      if (yi < 0 || yi >= Hi || xi < 0 || xi >= Wi) continue;
      const xOff = ((b * Hi + yi) * Wi + xi) * Cin;
      for (let ci = 0; ci < Cin; ci++) for (let co = 0; co < Cout; co++) dw[((kh * k + kw) * Cin + ci) * Cout + co] += x[xOff + ci] * d[dOff + co];
    }
  }
  return { dw, db };
}

const out = (n: number, k: number, s: number, pad: number) => Math.floor((n + 2 * pad - k) / s) + 1;

/** Plain-loop reference in float64 of the input gradient: dX[b, yi, xi, ci] = sum of dY[b, yo, xo, co] W[kh, kw, ci, co]. */
function inputReference(d: Float32Array, [B, Ho, Wo, Cout]: number[], w: Float32Array, k: number, [, Hi, Wi, Cin]: number[], s: number, pad: number): Float64Array {
  const dx = new Float64Array(B * Hi * Wi * Cin);
  for (let b = 0; b < B; b++) for (let yo = 0; yo < Ho; yo++) for (let xo = 0; xo < Wo; xo++) for (let kh = 0; kh < k; kh++) for (let kw = 0; kw < k; kw++) {
    const yi = yo * s + kh - pad;
    const xi = xo * s + kw - pad;
    if (yi < 0 || yi >= Hi || xi < 0 || xi >= Wi) continue;
    for (let ci = 0; ci < Cin; ci++) for (let co = 0; co < Cout; co++) {
      dx[((b * Hi + yi) * Wi + xi) * Cin + ci] += d[((b * Ho + yo) * Wo + xo) * Cout + co] * w[((kh * k + kw) * Cin + ci) * Cout + co];
    }
  }
  return dx;
}

describe('the wasm SIMD convolution and its weight, bias and input gradients (src/backends/wasm/kernels.c)', () => {
  it('carry the sha256 of the kernels.c they were built from, which must be the kernels.c in the repository (rerun scripts/build-wasm-kernels.sh after every change to it; this does not rebuild them)', () => {
    const dir = new URL('./', import.meta.url);
    const sha = createHash('sha256').update(readFileSync(new URL('kernels.c', dir))).digest('hex');
    expect(readFileSync(new URL('kernelsWasm.ts', dir), 'utf8')).toContain(`sha256 of kernels.c: ${sha}`);
  });

  it('load on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(nativeKernels()).not.toBeNull();
  });

  // every path of the loop: 8- and 4-wide output tiles, 1-3 output channels left over, input channels
  // in fours, eights and sixteens with remainders; stride 2 on an already padded input; k 1 and 5
  const cases: [number[], number, number, number, number][] = [
    // [B, Hi, Wi, Cin], Cout, k, stride, pad
    [[2, 9, 11, 5], 16, 3, 1, 1],
    [[1, 8, 6, 8], 12, 3, 1, 1],
    [[2, 7, 9, 17], 1, 3, 1, 1],
    [[1, 10, 8, 3], 19, 3, 2, 0],
    [[3, 9, 9, 20], 3, 3, 2, 1],
    [[1, 6, 7, 4], 8, 1, 1, 0],
    [[2, 8, 9, 9], 10, 5, 1, 2],
    [[1, 5, 4, 33], 2, 3, 1, 1],
  ];
  for (const [xs, Cout, k, s, pad] of cases) {
    it(`match a plain loop: x [${xs}], ${Cout} outputs, ${k}x${k}, stride ${s}, pad ${pad}`, async () => {
      const [B, Hi, Wi] = xs;
      const ds = [B, out(Hi, k, s, pad), out(Wi, k, s, pad), Cout];
      const x = randomTensor(xs, 11 + Cout, -1, 1) as tf.Tensor4D;
      const d = randomTensor(ds, 12 + k, -1, 1) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const [dw, db] = filterBiasGradNative(x, d, k, s, pad);
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(dw.shape).toEqual([k, k, xs[3], Cout]);
      const ref = reference((await x.data()) as Float32Array, xs, (await d.data()) as Float32Array, ds, k, s, pad);
      expect(relError(await dw.data(), ref.dw)).toBeLessThan(1e-5);
      expect(relError(await db.data(), ref.db)).toBeLessThan(1e-5);
      tf.dispose([x, d, dw, db]);
    });
  }

  // the input gradient: 8- and 4-wide input-channel runs and the rest, four pixels at a time and the rest, both strides
  const inputCases: [number[], number, number, number, number][] = [
    // x [B, Hi, Wi, Cin], Cout, k, stride, pad
    [[2, 9, 11, 16], 5, 3, 1, 1],
    [[1, 8, 10, 71], 32, 3, 1, 1],
    [[2, 10, 12, 13], 7, 3, 2, 1],
    [[1, 9, 7, 24], 3, 3, 2, 1],
    [[1, 6, 9, 12], 4, 1, 1, 0],
    [[2, 8, 9, 9], 6, 5, 1, 2],
    [[1, 7, 13, 3], 17, 3, 2, 1],
  ];
  for (const [xs, Cout, k, s, pad] of inputCases) {
    it(`input gradient matches a plain loop: x [${xs}], ${Cout} outputs, ${k}x${k}, stride ${s}, pad ${pad}`, async () => {
      const [B, Hi, Wi, Cin] = xs;
      const ds = [B, out(Hi, k, s, pad), out(Wi, k, s, pad), Cout];
      const d = randomTensor(ds, 31 + Cout, -1, 1) as tf.Tensor4D;
      const w = randomTensor([k, k, Cin, Cout], 32 + k, -1, 1) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      const dx = inputGradNative(d, w, xs as [number, number, number, number], s, pad);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(dx.shape).toEqual(xs);
      const ref = inputReference((await d.data()) as Float32Array, ds, (await w.data()) as Float32Array, k, xs, s, pad);
      expect(relError(await dx.data(), ref)).toBeLessThan(1e-5);
      tf.dispose([d, w, dx]);
    });
  }

  // the forward pass: 8-wide output tiles of four pixels (inside and at the edges), output channels left over
  // (an output layer's one), both strides, every activation
  const forwardCases: [number[], number, number, number, number, 'linear' | 'relu' | 'lrelu'][] = [
    // x [B, Hi, Wi, Cin], Cout, k, stride, pad, activation
    [[2, 9, 11, 5], 16, 3, 1, 1, 'lrelu'],
    [[1, 8, 10, 17], 1, 3, 1, 1, 'linear'],
    [[2, 10, 13, 6], 12, 3, 2, 1, 'lrelu'],
    [[1, 7, 9, 3], 8, 3, 2, 1, 'relu'],
    [[1, 6, 7, 9], 3, 1, 1, 0, 'lrelu'],
    [[2, 8, 9, 4], 24, 5, 1, 2, 'linear'],
  ];
  for (const [xs, Cout, k, s, pad, act] of forwardCases) {
    it(`forward pass matches a plain loop: x [${xs}], ${Cout} outputs, ${k}x${k}, stride ${s}, pad ${pad}, ${act}`, async () => {
      const [B, Hi, Wi, Cin] = xs;
      const x = randomTensor(xs, 41 + Cout, -1, 1) as tf.Tensor4D;
      const w = randomTensor([k, k, Cin, Cout], 42 + k, -1, 1) as tf.Tensor4D;
      const bias = randomTensor([Cout], 43, -0.5, 0.5) as tf.Tensor1D;
      const y = convForwardNative(x, w, bias, s, pad, act, 0.1);
      const [Ho, Wo] = [out(Hi, k, s, pad), out(Wi, k, s, pad)];
      expect(y.shape).toEqual([B, Ho, Wo, Cout]);
      const [xv, wv, bv] = [await x.data(), await w.data(), await bias.data()];
      const ref = new Float64Array(B * Ho * Wo * Cout);
      for (let b = 0; b < B; b++) for (let yo = 0; yo < Ho; yo++) for (let xo = 0; xo < Wo; xo++) for (let co = 0; co < Cout; co++) {
        let z = bv[co];
        for (let kh = 0; kh < k; kh++) for (let kw = 0; kw < k; kw++) {
          const yi = yo * s + kh - pad;
          const xi = xo * s + kw - pad;
          if (yi < 0 || yi >= Hi || xi < 0 || xi >= Wi) continue;
          for (let ci = 0; ci < Cin; ci++) z += xv[((b * Hi + yi) * Wi + xi) * Cin + ci] * wv[((kh * k + kw) * Cin + ci) * Cout + co];
        }
        ref[((b * Ho + yo) * Wo + xo) * Cout + co] = act === 'linear' ? z : z > 0 ? z : act === 'relu' ? 0 : 0.1 * z;
      }
      const yv = await y.data();
      expect(relError(yv, ref)).toBeLessThan(1e-5);
      if (act !== 'linear') expect(yv.some((v) => v > 0) && yv.some((v) => v <= 0)).toBe(true);
      tf.dispose([x, w, bias, y]);
    });
  }

  for (const [stride, act] of [[1, 'lrelu'], [2, 'linear']] as const) {
    it(`a conv of three inputs without their concatenation equals the conv of the concatenation (stride ${stride}, ${act}), gradients too`, async () => {
      const shapes = [[2, 8, 10, 5], [2, 8, 10, 16], [2, 8, 10, 1]];
      const xs = shapes.map((sh, i) => randomTensor(sh, 51 + i, -1, 1) as tf.Tensor4D);
      const w = randomTensor([3, 3, 22, 16], 55, -0.5, 0.5) as tf.Tensor4D;
      const b = randomTensor([16], 56, -0.5, 0.5) as tf.Tensor1D;
      const R = randomTensor([2, 8 / stride, 10 / stride, 16], 57, -1, 1);
      const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), R)) as tf.Scalar;
      const parts = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => convPartsOp(nativeConvKernels.parts!, [a, c, d] as tf.Tensor4D[], ww as tf.Tensor4D, bb as tf.Tensor1D, stride, act);
      // the reference: tfjs's own conv on the concatenation (pad 1, the activation after), on cpu's autodiff below
      const ours = tf.grads(loss(parts))([...xs, w, b]);
      const y = parts(xs[0], xs[1], xs[2], w, b);
      const oursV = [await y.data(), ...(await Promise.all(ours.map((g) => g.data())))];
      tf.dispose([y, ...ours]);
      expect(await tf.setBackend('cpu')).toBe(true);
      const ref = (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
        const z = tf.add(tf.conv2d(tf.pad(tf.concat([a, c, d], 3), [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D, ww as tf.Tensor4D, stride, 'valid'), bb);
        return act === 'lrelu' ? tf.leakyRelu(z, 0.1) : z;
      };
      const refG = tf.grads(loss(ref))([...xs, w, b]);
      const yr = ref(xs[0], xs[1], xs[2], w, b);
      const refV = [await yr.data(), ...(await Promise.all(refG.map((g) => g.data())))];
      tf.dispose([yr, ...refG]);
      expect(await tf.setBackend('wasm')).toBe(true);
      ['value', 'd part 1', 'd part 2', 'd part 3', 'd filter', 'd bias'].forEach((name, i) => expect(relError(oursV[i], refV[i]), name).toBeLessThan(1e-5));
      tf.dispose([...xs, w, b, R]);
    });
  }

  it('write their outputs and nothing else on the heap', async () => {
    const guard = () => tf.fill([4096], 7);
    const g1 = guard();
    const x = randomTensor([2, 8, 8, 6], 21, -1, 1) as tf.Tensor4D;
    const g2 = guard();
    const d = randomTensor([2, 8, 8, 9], 22, -1, 1) as tf.Tensor4D;
    const g3 = guard();
    const xv = Array.from(await x.data());
    const dv = Array.from(await d.data());
    const [dw, db] = filterBiasGradNative(x, d, 3, 1, 1);
    const w = randomTensor([3, 3, 6, 9], 23, -1, 1) as tf.Tensor4D;
    const g4 = guard();
    const dx = inputGradNative(d, w, [2, 8, 8, 6], 1, 1);
    const g5 = guard();
    const bias = tf.zeros([9]) as tf.Tensor1D;
    const y = convForwardNative(x, w, bias, 1, 1, 'lrelu', 0.1);
    const g6 = guard();
    for (const g of [g1, g2, g3, g4, g5, g6]) expect((await g.data()).every((v) => v === 7)).toBe(true);
    tf.dispose([bias, y, g6]);
    expect(Array.from(await x.data())).toEqual(xv);
    expect(Array.from(await d.data())).toEqual(dv);
    tf.dispose([g1, g2, g3, g4, g5, x, d, dw, db, w, dx]);
  });

  it('refuse an output gradient that does not fit the convolution', () => {
    const x = tf.zeros([1, 8, 8, 2]) as tf.Tensor4D;
    const d = tf.zeros([1, 4, 8, 3]) as tf.Tensor4D;
    expect(() => filterBiasGradNative(x, d, 3, 1, 1)).toThrow(/does not fit/);
    const w = tf.zeros([3, 3, 2, 3]) as tf.Tensor4D;
    expect(() => inputGradNative(d, w, [1, 8, 8, 2], 1, 1)).toThrow(/do not fit/);
    tf.dispose([x, d, w]);
  });

  // tfjs loads one of its builds; both of ours are checked here on a heap of their own
  for (const [name, b64, shared] of [['plain', KERNELS_WASM, false], ['shared', KERNELS_WASM_SHARED, true]] as const) {
    it(`the ${name}-memory module computes the same on its own heap`, () => {
      const memory = new WebAssembly.Memory(shared ? { initial: 4, maximum: 65536, shared: true } : { initial: 4 });
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const k = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as unknown as NativeKernels;
      const xs = [2, 6, 7, 5];
      const ds = [2, 6, 7, 9];
      const heap = new Float32Array(memory.buffer);
      const n = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const [ox, od, ow, ob] = [64, 64 + n(xs), 64 + n(xs) + n(ds), 64 + n(xs) + n(ds) + 9 * 5 * 9];
      for (let i = 0; i < n(xs); i++) heap[ox + i] = Math.sin(i * 1.3);
      for (let i = 0; i < n(ds); i++) heap[od + i] = Math.cos(i * 0.7);
      heap.fill(123, ow, ob + 9); // the kernel zeroes its output first
      k.filter_grad(ox * 4, od * 4, ow * 4, 2, 6, 7, 5, 6, 7, 9, 5, 3, 1, 1, 0, 9);
      k.bias_grad(od * 4, ob * 4, 2 * 6 * 7, 9, 0, 9);
      const ref = reference(heap.slice(ox, ox + n(xs)), xs, heap.slice(od, od + n(ds)), ds, 3, 1, 1);
      expect(relError(heap.slice(ow, ow + 9 * 5 * 9), ref.dw)).toBeLessThan(1e-5);
      expect(relError(heap.slice(ob, ob + 9), ref.db)).toBeLessThan(1e-5);
    });
  }
});
