import * as tf from '@tensorflow/tfjs';
import { padReplicate } from './pad';
import { check, sameShape } from './types';

const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

/** 3x3 mean filter with replicated borders: [B, H, W, C] -> [B, H, W, C]. */
function mean3(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(padReplicate(x, 1), 3, 1, 'valid');
}

/**
 * Structural dissimilarity on 3x3 windows (mean pooling, replicated borders):
 * (1 - SSIM(a, b)) / 2 clipped to [0, 1], per pixel and channel: [B, H, W, C].
 */
export function ssimDissimilarity(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  check(sameShape(a.shape, b.shape), 'ssimDissimilarity', () => `inputs must have the same shape, got [${a.shape}] and [${b.shape}]`);
  return tf.tidy(() => {
    const muA = mean3(a);
    const muB = mean3(b);
    const sigmaA = tf.sub(mean3(tf.square(a)), tf.square(muA));
    const sigmaB = tf.sub(mean3(tf.square(b)), tf.square(muB));
    const sigmaAB = tf.sub(mean3(tf.mul(a, b)), tf.mul(muA, muB));
    const num = tf.mul(tf.add(tf.mul(tf.mul(muA, muB), 2), C1), tf.add(tf.mul(sigmaAB, 2), C2));
    const den = tf.mul(tf.add(tf.add(tf.square(muA), tf.square(muB)), C1), tf.add(tf.add(sigmaA, sigmaB), C2));
    return tf.clipByValue(tf.div(tf.sub(1, tf.div(num, den)), 2), 0, 1) as tf.Tensor4D;
  });
}
