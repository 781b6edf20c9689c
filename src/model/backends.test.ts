import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels, registerWasmConv } from '../backends/wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { distillLoss } from '../core/distill';
import { rightDisparities } from '../core/mirror';
import { visibilityMask } from '../core/occlusion';
import { maskedMean, photometricError } from '../core/photometric';
import { smoothness } from '../core/smoothness';
import { warpH } from '../core/warp';
import { randomTensor, relError } from '../testing/gradcheck';
import { layeredScene } from '../testing/scenes';
import { LRELU_SLOPE } from '../core/accelerated';
import { buildSingleNet, buildStereoNet, singleNetConfig, stereoNetConfig } from './index';
import { conv, Params } from './layers';

registerFastWasmKernels();
registerWasmConv();

/**
 * The training maths must give the same gradients on the backend we train on in Node and in
 * browsers without a GPU (wasm) as on the reference cpu backend: tfjs has kernels that are
 * missing or silently wrong on some backends (TFJS-NOTES.md).
 */
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Loss and the gradient of every variable the loss depends on (null for those it does not). */
async function gradsOn(backend: string, f: () => tf.Scalar, vars: tf.Variable[]): Promise<{ loss: number; grads: (Float32Array | null)[] }> {
  expect(await tf.setBackend(backend)).toBe(true);
  expect(tf.getBackend()).toBe(backend);
  const { value, grads } = tf.variableGrads(f, vars);
  const read = async (v: tf.Variable) => (grads[v.name] ? ((await grads[v.name].data()) as Float32Array) : null);
  const out = { loss: (await value.data())[0], grads: await Promise.all(vars.map(read)) };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

describe('wasm gives the same losses and gradients as cpu', () => {
  it('StereoNet with the masked photometric loss of both views (warp, correlation, SSIM, mirroring, LR mask)', async () => {
    await tf.setBackend('cpu');
    const s = layeredScene({ H: 32, W: 64, bg: 3, fg: 7, x0: 24, x1: 44 });
    const net = buildStereoNet(stereoNetConfig('tiny'));
    const vars = net.params.list();
    const loss = () => tf.tidy(() => {
      const dL = net.forward(s.leftImg, s.rightImg)[0];
      const dR = rightDisparities((l, r) => net.forward(l, r), s.leftImg, s.rightImg)[0];
      const M = visibilityMask(dL, dR);
      const rho = photometricError(s.leftImg, warpH(s.rightImg, dL, -1));
      return tf.add(maskedMean(rho, M), tf.mul(smoothness(dL, s.leftImg), 1e-3)) as tf.Scalar;
    });
    const cpu = await gradsOn('cpu', loss, vars);
    const wasm = await gradsOn('wasm', loss, vars);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(cpu.loss)));
    expect(cpu.grads.every((g) => g !== null)).toBe(true);
    cpu.grads.forEach((g, i) => expect(relError(wasm.grads[i]!, g!), `weight ${i}`).toBeLessThan(1e-3));
    net.dispose();
    tf.dispose(Object.values(s));
  });

  it('SingleNet with the occlusion-aware distillation loss', async () => {
    await tf.setBackend('cpu');
    const img = randomTensor([2, 32, 64, 3], 3) as tf.Tensor4D;
    const teacher = randomTensor([2, 32, 64, 1], 4, 1, 10) as tf.Tensor4D;
    // Built from a Float32Array: a tensor made by tf.cast(bool -> float32) on cpu turns into
    // garbage when tfjs moves it to wasm (measured: sum 2827 on cpu, 7e-35 after the move).
    const M = tf.tensor4d((await randomTensor([2, 32, 64, 1], 5).data()).map((v) => (v > 0.3 ? 1 : 0)), [2, 32, 64, 1]);
    const net = buildSingleNet(singleNetConfig('tiny'));
    const vars = net.params.list();
    const loss = () => tf.tidy(() => distillLoss(net.forward(img)[0], teacher, M));
    const cpu = await gradsOn('cpu', loss, vars);
    const wasm = await gradsOn('wasm', loss, vars);
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4 * Math.max(1, cpu.loss));
    // only the full-resolution head is supervised here; the other heads get no gradient on either backend
    expect(wasm.grads.map((g) => g === null)).toEqual(cpu.grads.map((g) => g === null));
    expect(cpu.grads.filter((g) => g !== null).length).toBeGreaterThan(vars.length / 2);
    cpu.grads.forEach((g, i) => g && expect(relError(wasm.grads[i]!, g), `weight ${i}`).toBeLessThan(1e-3));
    net.dispose();
    tf.dispose([img, teacher, M]);
  });
});

describe('a leaky-ReLU conv layer on wasm', () => {
  it("gives what tfjs's fused leaky-ReLU conv gives, and the same gradients as the stock ops on cpu", async () => {
    // wasm runs the whole layer in our own kernels (src/backends/wasm/conv.ts): tfjs's LeakyRelu alone is ~17x slower there
    expect(await tf.setBackend('wasm')).toBe(true);
    const p = new Params(5);
    const w = p.add('w', [3, 3, 6, 7], 54);
    const b = p.add('b', [7], 1);
    b.assign(randomTensor([7], 6, -0.5, 0.5) as tf.Tensor1D);
    const x = randomTensor([2, 9, 10, 6], 7, -1, 1) as tf.Tensor4D;
    const R = randomTensor([2, 9, 10, 7], 8, -1, 1);
    const y = conv(x, w, b, 1, 'lrelu');
    const ref = tf.fused.conv2d({ x, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'leakyrelu', leakyreluAlpha: LRELU_SLOPE });
    const yv = await y.data();
    expect(relError(yv, await ref.data())).toBeLessThan(1e-6); // the sums in another order
    expect(yv.some((v) => v < 0) && yv.some((v) => v > 0)).toBe(true);
    const ours = tf.variableGrads(() => tf.sum(tf.mul(conv(x, w, b, 1, 'lrelu'), R)) as tf.Scalar, [w, b]);
    const [gw, gb] = [await ours.grads[w.name].data(), await ours.grads[b.name].data()];
    tf.dispose([y, ref, ours.value, ...Object.values(ours.grads)]);
    // the reference gradients on cpu (wasm has no Conv2DBackpropFilter of its own)
    expect(await tf.setBackend('cpu')).toBe(true);
    const stock = tf.variableGrads(() => tf.sum(tf.mul(tf.leakyRelu(tf.add(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), b), LRELU_SLOPE), R)) as tf.Scalar, [w, b]);
    expect(relError(gw, await stock.grads[w.name].data())).toBeLessThan(1e-5);
    expect(relError(gb, await stock.grads[b.name].data())).toBeLessThan(1e-5);
    tf.dispose([x, R, stock.value, ...Object.values(stock.grads)]);
    p.dispose();
  });
});
