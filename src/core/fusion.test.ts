import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { distillLoss } from './distill';
import { alignSingle, fuseDisparity, fusedLabelLoss } from './fusion';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('occlusion-aware distillation and fusion', () => {
  const dStereo = tf.tensor4d([10, 20, 30, 40], [1, 1, 4, 1]);
  const dSingle = tf.tensor4d([12, 21, 25, 44], [1, 1, 4, 1]);
  const M = tf.tensor4d([1, 1, 0, 0], [1, 1, 4, 1]); // last two pixels occluded

  it('distillation averages |student - teacher| over visible pixels only', async () => {
    expect((await distillLoss(dSingle, dStereo, M).data())[0]).toBeCloseTo((2 + 1) / 2, 5);
    const ones = tf.onesLike(M) as tf.Tensor4D;
    expect((await distillLoss(dSingle, dStereo, ones).data())[0]).toBeCloseTo((2 + 1 + 5 + 4) / 4, 5);
    ones.dispose();
  });

  it('distillation trains the student only: no gradient to the teacher', async () => {
    const [gS, gT] = tf.grads((s: tf.Tensor, t: tf.Tensor) => distillLoss(s as tf.Tensor4D, t as tf.Tensor4D, M))([dSingle, dStereo]);
    expect(Array.from(await gS.data()).map((v) => v + 0)).toEqual([0.5, 0.5, 0, 0]); // sign(dSingle - dStereo) / count(M) on visible pixels
    expect(Array.from(await gT.data()).map((v) => v + 0)).toEqual([0, 0, 0, 0]); // +0 folds -0
    tf.dispose([gS, gT]);
  });

  it('fusion takes stereo where visible and single where occluded', async () => {
    const f = fuseDisparity(dStereo, dSingle, M);
    expect(Array.from(await f.data())).toEqual([10, 20, 25, 44]);
    expect((await fusedLabelLoss(dStereo, f).data())[0]).toBeCloseTo((0 + 0 + 5 + 4) / 4, 5);
    f.dispose();
  });

  it('alignment brings SingleNet to the scale of StereoNet from the visible pixels, per image', async () => {
    // image 0: single = (stereo - 3) / 2 on every pixel, so the fit recovers a = 2, b = 3 from the visible ones and
    // maps the occluded pixels' single answer onto the stereo scale; image 1: too few visible pixels, left as it is
    const W = 100;
    const stereo = Array.from({ length: W }, (_, i) => 5 + 0.3 * i);
    const single0 = stereo.map((d) => (d - 3) / 2);
    const single1 = stereo.map((d) => d / 3);
    const mask0 = stereo.map((_, i) => (i < 80 ? 1 : 0));
    const mask1 = stereo.map((_, i) => (i < 10 ? 1 : 0));
    const d = tf.tensor4d([...stereo, ...stereo], [2, 1, W, 1]);
    const s = tf.tensor4d([...single0, ...single1], [2, 1, W, 1]);
    const m = tf.tensor4d([...mask0, ...mask1], [2, 1, W, 1]);
    const a = await alignSingle(s, d, m).data();
    for (let i = 0; i < W; i++) expect(a[i]).toBeCloseTo(stereo[i], 3);
    for (let i = 0; i < W; i++) expect(a[W + i]).toBeCloseTo(single1[i], 5);
    // the fused map then equals the stereo map where the fit holds, occluded pixels included
    const f = await fuseDisparity(d, alignSingle(s, d, m), m).data();
    for (let i = 0; i < W; i++) expect(f[i]).toBeCloseTo(stereo[i], 3);
    tf.dispose([d, s, m]);
  });

  it('rejects mismatched shapes', () => {
    const small = tf.zeros([1, 1, 3, 1]) as tf.Tensor4D;
    expect(() => fuseDisparity(dStereo, small, M)).toThrow(/fuseDisparity/);
    expect(() => distillLoss(small, dStereo, M)).toThrow(/distillLoss/);
    small.dispose();
  });
});
