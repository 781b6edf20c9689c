import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { distillLoss } from './distill';
import { fuseDisparity, fusedLabelLoss } from './fusion';

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

  it('rejects mismatched shapes', () => {
    const small = tf.zeros([1, 1, 3, 1]) as tf.Tensor4D;
    expect(() => fuseDisparity(dStereo, small, M)).toThrow(/fuseDisparity/);
    expect(() => distillLoss(small, dStereo, M)).toThrow(/distillLoss/);
    small.dispose();
  });
});
