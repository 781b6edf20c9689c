import * as tf from '@tensorflow/tfjs';
import { check } from './types';

/**
 * 1-D horizontal correlation (cost volume) between left and right feature maps.
 *
 * cost[b, y, x, i] = mean_c fL[b, y, x, c] * fR[b, y, x - k_i, c],  k_i = minK + i, i = 0..(maxK - minK)
 *
 * so channel i scores the match at disparity k_i (left pixel x against right pixel x - k,
 * the project's disparity convention). Right samples outside the image are zero.
 * fL, fR [B, H, W, C] -> [B, H, W, maxK - minK + 1], the same layout on every backend.
 * Built from pad, slice, multiply and mean, so autodiff gives its gradient everywhere.
 */
export function correlation1d(fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number, maxK: number): tf.Tensor4D {
  check(fL.rank === 4 && fL.shape.every((v, i) => v === fR.shape[i]), 'correlation1d',
    () => `left and right features must have the same [B, H, W, C] shape, got [${fL.shape}] and [${fR.shape}]`);
  check(Number.isInteger(minK) && Number.isInteger(maxK) && maxK >= minK, 'correlation1d',
    () => `search range must be integers with maxK >= minK, got [${minK}, ${maxK}]`);
  return tf.tidy(() => {
    const [, , W] = fL.shape;
    // Right padded so that right pixel x - k for k in [minK, maxK] is always inside.
    const padLeft = Math.max(maxK, 0);
    const padRight = Math.max(-minK, 0);
    const fRp = tf.pad(fR, [[0, 0], [0, 0], [padLeft, padRight], [0, 0]]);
    const costs: tf.Tensor4D[] = [];
    for (let k = minK; k <= maxK; k++) {
      const shifted = fRp.slice([0, 0, padLeft - k, 0], [-1, -1, W, -1]);
      costs.push(tf.mean(tf.mul(fL, shifted), 3, true) as tf.Tensor4D);
    }
    return costs.length === 1 ? costs[0] : (tf.concat(costs, 3) as tf.Tensor4D);
  });
}
