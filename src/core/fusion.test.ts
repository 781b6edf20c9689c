import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { distillLoss } from './distill';
import { ALIGN_RADIUS, alignSingle, alignSingleGlobal, alignSingleLocal, boxSum, fuseDisparity, fusedLabelLoss } from './fusion';

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

describe('local alignment of SingleNet', () => {
  it('boxSum equals the brute-force window sum, the window cut at the borders', async () => {
    const H = 7;
    const W = 9;
    const x = Array.from({ length: H * W }, (_, i) => Math.sin(i * 1.7) * 3);
    const got = await boxSum(tf.tensor4d(x, [1, H, W, 1]), 2, 3).data();
    for (let y = 0; y < H; y++) {
      for (let u = 0; u < W; u++) {
        let want = 0;
        for (let yy = Math.max(0, y - 2); yy <= Math.min(H - 1, y + 2); yy++) for (let uu = Math.max(0, u - 3); uu <= Math.min(W - 1, u + 3); uu++) want += x[yy * W + uu];
        expect(got[y * W + u]).toBeCloseTo(want, 4);
      }
    }
  });

  it('fits each region of the image on its own: two surfaces with different offsets both come out right, where one fit per image cannot', async () => {
    // stereo: a ramp; single = (stereo - c) / 2 with c = 3 on the left half and c = -20 on the right half, as when
    // SingleNet misjudges two objects by different amounts. A band of each half is occluded (mask 0).
    const H = 24;
    const W = 240;
    const stereo: number[] = [];
    const single: number[] = [];
    const mask: number[] = [];
    for (let y = 0; y < H; y++) {
      for (let u = 0; u < W; u++) {
        const d = 20 + 0.1 * u + 0.05 * y;
        stereo.push(d);
        single.push((d - (u < W / 2 ? 3 : -20)) / 2);
        mask.push((u >= 40 && u < 50) || (u >= 180 && u < 190) ? 0 : 1);
      }
    }
    const d = tf.tensor4d(stereo, [1, H, W, 1]);
    const s = tf.tensor4d(single, [1, H, W, 1]);
    const m = tf.tensor4d(mask, [1, H, W, 1]);
    // radius 0.045 * 240 = 11 px: windows of 23 x 23
    const exact = await alignSingleLocal(s, d, m, { radius: ALIGN_RADIUS, affine: true, ridge: 0 }).data();
    const local = await alignSingle(s, d, m).data(); // each window's scale pulled to the global one
    const global = await alignSingleGlobal(s, d, m).data();
    const err = (a: ArrayLike<number>) => {
      let worst = 0;
      for (let y = 0; y < H; y++) for (const u of [40, 45, 49, 180, 185, 189]) worst = Math.max(worst, Math.abs(a[y * W + u] - stereo[y * W + u]));
      return worst;
    };
    console.log(`worst error on the occluded pixels: local fit ${err(exact).toExponential(1)} px, with the ridge ${err(local).toFixed(2)}, one fit per image ${err(global).toFixed(2)}`);
    expect(err(exact)).toBeLessThan(1e-2); // every occluded pixel is 11+ px from the halves' border at 120
    expect(err(global)).toBeGreaterThan(1); // one line through both halves misses both
    // With the ridge, these nearly flat windows (SingleNet's variance in a window ~0.14, the ridge 0.01 x ~50) keep
    // about the global scale and take the window's offset: most of the error goes, not all.
    expect(err(local)).toBeLessThan(err(global) / 3);
    tf.dispose([d, s, m]);
  });
});
