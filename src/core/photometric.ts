import * as tf from '@tensorflow/tfjs';
import { acceleratedOps } from './accelerated';
import { ssimDissimilarity } from './ssim';
import { stopGradient } from './stopGradient';
import { check, sameShape, type MapT } from './types';

/** Weight of the SSIM term; the L1 term gets 1 - SSIM_WEIGHT. */
export const SSIM_WEIGHT = 0.85;

/**
 * Per-pixel photometric error rho = 0.85 * (1 - SSIM)/2 + 0.15 * |a - b|, averaged over
 * channels: [B, H, W, C] x 2 -> [B, H, W, 1]. `a` is taken as a constant (zero gradient) unless
 * `gradA`: in every loss here it is an input image, and on WebGPU its gradient is the costliest kernel.
 */
export function photometricError(a: tf.Tensor4D, b: tf.Tensor4D, opts: { gradA?: boolean } = {}): MapT {
  check(sameShape(a.shape, b.shape), 'photometricError', () => `inputs must have the same shape, got [${a.shape}] and [${b.shape}]`);
  // WebGPU: one dispatch forward and one per gradient (src/backends/webgpu/photometric.ts), where these stock
  // ops are ~90 dispatches with their gradients; the stock ops stay the reference and run elsewhere
  const accel = acceleratedOps(tf.getBackend())?.photometricError;
  if (accel) return accel(a, b, !!opts.gradA) as MapT;
  return tf.tidy(() => {
    if (!opts.gradA) a = stopGradient(a);
    const l1 = tf.abs(tf.sub(a, b));
    const dssim = ssimDissimilarity(a, b);
    return tf.mean(tf.add(tf.mul(dssim, SSIM_WEIGHT), tf.mul(l1, 1 - SSIM_WEIGHT)), 3, true) as MapT;
  });
}

/**
 * Masked mean: sum(mask * err) / sum(mask) (normalised by the visible count, not the pixel
 * count, so occluded pixels do not pull the match). `eps` keeps an all-zero mask finite (-> 0).
 * err, mask [B, H, W, 1] -> scalar. The mask carries no gradient.
 */
export function maskedMean(err: MapT, mask: MapT, eps = 1e-7): tf.Scalar {
  check(sameShape(err.shape, mask.shape), 'maskedMean', () => `error and mask must have the same shape, got [${err.shape}] and [${mask.shape}]`);
  return tf.tidy(() => {
    const m = stopGradient(mask);
    return tf.div(tf.sum(tf.mul(err, m)), tf.add(tf.sum(m), eps)) as tf.Scalar;
  });
}
