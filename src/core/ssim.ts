import * as tf from '@tensorflow/tfjs';
import { customOp } from './customGrad';
import { padReplicate } from './pad';
import { check, sameShape } from './types';

export const SSIM_C1 = 0.01 ** 2;
export const SSIM_C2 = 0.03 ** 2;

/**
 * 3x3 mean filter, 'valid': [B, H, W, C] -> [B, H - 2, W - 2, C]. Its gradient is the same
 * filter on the zero-padded output gradient (a box filter is its own adjoint up to the border),
 * two fast kernels where wasm's AvgPoolGrad took ~10 ms a call at 256x128.
 */
export function box3(x: tf.Tensor4D): tf.Tensor4D {
  return customOp<tf.Tensor4D>(([xi]) => ({
    value: tf.avgPool(xi as tf.Tensor4D, 3, 1, 'valid'),
    gradFunc: (dy) => tf.tidy(() => tf.avgPool(tf.pad(dy as tf.Tensor4D, [[0, 0], [2, 2], [2, 2], [0, 0]]), 3, 1, 'valid')),
  }))(x);
}

/**
 * Structural dissimilarity on 3x3 windows (mean pooling, replicated borders):
 * (1 - SSIM(a, b)) / 2 clipped to [0, 1], per pixel and channel: [B, H, W, C].
 * The five local means (of a, b, a^2, b^2, ab) come from one pooling of their batch stack;
 * replicate padding commutes with the pointwise products, so the stack is padded once.
 */
export function ssimDissimilarity(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  check(sameShape(a.shape, b.shape), 'ssimDissimilarity', () => `inputs must have the same shape, got [${a.shape}] and [${b.shape}]`);
  return tf.tidy(() => {
    // Stacked along the batch axis: concatenating and splitting whole images are contiguous
    // copies, while the channel axis made wasm's SplitV and Concat (and their gradients) strided.
    // Padded once, after the products (padding commutes with them): one pad and its gradient, not two.
    const stacked = padReplicate(tf.concat([a, b, tf.mul(a, a), tf.mul(b, b), tf.mul(a, b)], 0) as tf.Tensor4D, 1);
    const [muA, muB, mAA, mBB, mAB] = tf.split(box3(stacked), 5, 0);
    // SSIM = (2 muA muB + C1)(2 sigmaAB + C2) / ((muA^2 + muB^2 + C1)(sigmaA + sigmaB + C2)), with
    // sigmaA + sigmaB = mAA + mBB - (muA^2 + muB^2) and the 2s taken out: each product and sum once
    // (every op here is a kernel call, and two or three more in the backward pass).
    const muAB = tf.mul(muA, muB);
    const sq = tf.add(tf.square(muA), tf.square(muB));
    const num = tf.mul(tf.add(muAB, SSIM_C1 / 2), tf.add(tf.sub(mAB, muAB), SSIM_C2 / 2));
    const den = tf.mul(tf.add(sq, SSIM_C1), tf.add(tf.sub(tf.add(mAA, mBB), sq), SSIM_C2));
    return tf.clipByValue(tf.sub(0.5, tf.mul(tf.div(num, den), 2)), 0, 1) as tf.Tensor4D;
  });
}
