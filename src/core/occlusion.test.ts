import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layeredScene } from '../testing/scenes';
import { occlusionMap, visibilityMask } from './occlusion';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function columnsWhere(mask: tf.Tensor4D, value: number): Promise<number[]> {
  const [, H, W] = mask.shape;
  const v = await mask.data();
  const cols: number[] = [];
  for (let x = 0; x < W; x++) {
    let all = true;
    for (let y = 0; y < H; y++) all = all && v[y * W + x] === value;
    if (all) cols.push(x);
  }
  return cols;
}

describe('visibility / occlusion mask from left-right consistency', () => {
  // Background at disparity 2, a foreground strip at disparity 6 over left columns [20, 36):
  // occluded band = [20 - (6 - 2), 20) = [16, 20), out-of-view strip = [0, 2).
  const H = 5, W = 48;

  it('marks exactly the occluded band and the out-of-view strip on a synthetic scene (pixel count)', async () => {
    const s = layeredScene({ H, W, bg: 2, fg: 6, x0: 20, x1: 36 });
    const M = visibilityMask(s.dL, s.dR);
    const occ = occlusionMap(M);
    expect((await tf.sum(occ).data())[0]).toBe((4 + 2) * H);
    expect(await columnsWhere(occ, 1)).toEqual([0, 1, 16, 17, 18, 19]);
    // agrees with the construction of the scene pixel for pixel
    expect(Array.from(await M.data())).toEqual(Array.from(await s.visible.data()));
    tf.dispose([M, occ, ...Object.values(s)]);
  });

  it('for the right view marks the band the left camera cannot see and the right out-of-view strip', async () => {
    const s = layeredScene({ H, W, bg: 2, fg: 6, x0: 20, x1: 36 });
    const MR = visibilityMask(s.dR, s.dL, 1, 'right');
    // Right pixels x + dR > W - 1 are out of view: background x > 45 -> [46, 48).
    // Right background pixels hidden behind the foreground in the left view: right columns
    // [x1 - 6, x1 - 6 + 4) = [30, 34) see background at left x + 2 in [32, 36), covered by the strip.
    expect(await columnsWhere(tf.sub(1, MR) as tf.Tensor4D, 1)).toEqual([30, 31, 32, 33, 46, 47]);
    expect((await tf.sum(tf.sub(1, MR)).data())[0]).toBe(6 * H);
    tf.dispose([MR, ...Object.values(s)]);
  });

  it('tolerates sub-pixel disagreement below 0.5 px scaled by the level, not above', async () => {
    const dL = tf.fill([1, 1, 8, 1], 2) as tf.Tensor4D;
    const near = tf.fill([1, 1, 8, 1], 2.4) as tf.Tensor4D;
    const far = tf.fill([1, 1, 8, 1], 2.6) as tf.Tensor4D;
    const sumOf = async (t: tf.Tensor) => (await tf.sum(t).data())[0];
    expect(await sumOf(visibilityMask(dL, near))).toBe(6); // columns 0, 1 out of view
    expect(await sumOf(visibilityMask(dL, far))).toBe(0);
    expect(await sumOf(visibilityMask(dL, far, 0.25))).toBe(0);
    expect(await sumOf(visibilityMask(dL, far, 2))).toBe(6); // s = 2: tolerance 0.5 * 2 = 1 px
    expect(await sumOf(visibilityMask(dL, far, 1, 'left', 1))).toBe(6); // a wider tolerance, 1 px
    expect(await sumOf(visibilityMask(dL, far, 1, 'left', 0.55))).toBe(0);
    tf.dispose([dL, near, far]);
  });

  it('carries no gradient', async () => {
    const s = layeredScene({ H: 2, W: 16, bg: 1, fg: 3, x0: 6, x1: 10 });
    const g = tf.grad((d: tf.Tensor) => tf.sum(visibilityMask(d as tf.Tensor4D, s.dR)) as tf.Scalar)(s.dL);
    expect((await tf.max(tf.abs(g)).data())[0]).toBe(0);
    tf.dispose([g, ...Object.values(s)]);
  });
});
