import * as tf from '@tensorflow/tfjs';
import { customOp } from './customGrad';
import { padReplicate } from './pad';
import { check, sameShape } from './types';

const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

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
 * replicate padding commutes with the pointwise products, so both inputs are padded once.
 */
export function ssimDissimilarity(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  check(sameShape(a.shape, b.shape), 'ssimDissimilarity', () => `inputs must have the same shape, got [${a.shape}] and [${b.shape}]`);
  return tf.tidy(() => {
    const ap = padReplicate(a, 1);
    const bp = padReplicate(b, 1);
    // Stacked along the batch axis: concatenating and splitting whole images are contiguous
    // copies, while the channel axis made wasm's SplitV and Concat (and their gradients) strided.
    const stacked = tf.concat([ap, bp, tf.mul(ap, ap), tf.mul(bp, bp), tf.mul(ap, bp)], 0) as tf.Tensor4D;
    const [muA, muB, mAA, mBB, mAB] = tf.split(box3(stacked), 5, 0);
    const sigmaA = tf.sub(mAA, tf.square(muA));
    const sigmaB = tf.sub(mBB, tf.square(muB));
    const sigmaAB = tf.sub(mAB, tf.mul(muA, muB));
    const num = tf.mul(tf.add(tf.mul(tf.mul(muA, muB), 2), C1), tf.add(tf.mul(sigmaAB, 2), C2));
    const den = tf.mul(tf.add(tf.add(tf.square(muA), tf.square(muB)), C1), tf.add(tf.add(sigmaA, sigmaB), C2));
    return tf.clipByValue(tf.div(tf.sub(1, tf.div(num, den)), 2), 0, 1) as tf.Tensor4D;
  });
}
