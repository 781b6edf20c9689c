import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '../core/wasmKernels';
import { afterAll, describe, expect, it } from 'vitest';
import { distillLoss } from '../core/distill';
import { rightDisparities } from '../core/mirror';
import { visibilityMask } from '../core/occlusion';
import { maskedMean, photometricError } from '../core/photometric';
import { smoothness } from '../core/smoothness';
import { warpH } from '../core/warp';
import { randomTensor, relError } from '../testing/gradcheck';
import { layeredScene } from '../testing/scenes';
import { buildSingleNet, buildStereoNet, singleNetConfig, stereoNetConfig } from './index';

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
