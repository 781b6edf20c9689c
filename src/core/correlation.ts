import * as tf from '@tensorflow/tfjs';
import { acceleratedOps } from './accelerated';
import { customOp } from './customGrad';
import { check } from './types';

/**
 * 1-D horizontal correlation (cost volume) between left and right feature maps.
 *
 * cost[b, y, x, i] = mean_c fL[b, y, x, c] * fR[b, y, x - k_i, c],  k_i = minK + i, i = 0..(maxK - minK)
 *
 * so channel i scores the match at disparity k_i (left pixel x against right pixel x - k,
 * the project's disparity convention). Right samples outside the image are zero.
 * fL, fR [B, H, W, C] -> [B, H, W, maxK - minK + 1], the same layout on every backend.
 *
 * Each shifted copy of the right features is one contiguous run of W * C values per image row,
 * so the K copies are K row slices and one concat ([B*H, K, W*C]), and the hand-written gradient
 * is the same slices taken back; all copies move whole rows. (A gather of the shifted pixels,
 * or slices along W of the 4-D tensor, copy C values at a time, which on wasm cost more than
 * the rest of the step's non-convolution work.) `correlation1dStock` is the same op from
 * stock ops with autodiff: the reference in tests. A backend with its own kernel for it
 * (WebGPU: src/backends/webgpu/correlation.ts) uses that instead.
 */
export function correlation1d(fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number, maxK: number): tf.Tensor4D {
  checkArgs(fL, fR, minK, maxK);
  const accel = acceleratedOps(tf.getBackend())?.correlation1d;
  if (accel) return accel(fL, fR, minK, maxK);
  const [B, H, W, C] = fL.shape;
  const K = maxK - minK + 1;
  const R = B * H;
  const padLeft = Math.max(maxK, 0);
  const padRight = Math.max(-minK, 0);
  /** Rows of `t` ([R, ...]) cut at (start_i, start_i + W*C) for every i, stacked: [R, K, W*C]. */
  const windows = (t: tf.Tensor2D, start: (i: number) => number) => {
    const parts: tf.Tensor[] = [];
    for (let i = 0; i < K; i++) parts.push(t.slice([0, start(i) * C], [R, W * C]).reshape([R, 1, W * C]));
    return parts.length === 1 ? parts[0] : tf.concat(parts, 1);
  };
  const op = customOp<tf.Tensor4D>(([l, r], save) => {
    const value = tf.tidy(() => {
      const rp = tf.pad(r, [[0, 0], [0, 0], [padLeft, padRight], [0, 0]]).reshape([R, (W + padLeft + padRight) * C]) as tf.Tensor2D;
      const shifted = windows(rp, (i) => padLeft - (minK + i)).reshape([R, K, W, C]);
      save([l, shifted]);
      const cost = tf.mul(tf.sum(tf.mul(shifted, l.reshape([R, 1, W, C])), 3), 1 / C); // [R, K, W]
      return tf.transpose(cost.reshape([B, H, K, W]), [0, 1, 3, 2]) as tf.Tensor4D;
    });
    return {
      value,
      gradFunc: (dy, [ls, shifted]) => tf.tidy(() => {
        const g = tf.mul(tf.transpose(dy, [0, 1, 3, 2]), 1 / C).reshape([R, K, W, 1]);
        // d/d fL: the sum over displacements of dy times the right sample it met
        const gL = tf.sum(tf.mul(g, shifted), 1).reshape([B, H, W, C]);
        // d/d fR at x': the sum over i of (dy * fL)[x' + k_i, i], with x' + k_i in [minK, W - 1 + maxK]
        const lo = Math.max(-minK, 0);
        const hi = Math.max(maxK, 0);
        const prod = tf.mul(g, ls.reshape([R, 1, W, C])); // [R, K, W, C]
        const prodP = tf.pad(prod, [[0, 0], [0, 0], [lo, hi], [0, 0]]).reshape([R, K * (W + lo + hi) * C]) as tf.Tensor2D;
        const Wp = W + lo + hi;
        const parts: tf.Tensor[] = [];
        for (let i = 0; i < K; i++) parts.push(prodP.slice([0, (i * Wp + minK + i + lo) * C], [R, W * C]));
        const gR = (parts.length === 1 ? parts[0] : tf.addN(parts)).reshape([B, H, W, C]);
        return [gL, gR];
      }),
    };
  });
  return op(fL, fR);
}

/** The same op from pad, slice, multiply and mean (autodiff gradient): the reference for tests. */
export function correlation1dStock(fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number, maxK: number): tf.Tensor4D {
  checkArgs(fL, fR, minK, maxK);
  return tf.tidy(() => {
    const [, , W] = fL.shape;
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

function checkArgs(fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number, maxK: number): void {
  check(fL.rank === 4 && fL.shape.every((v, i) => v === fR.shape[i]), 'correlation1d',
    () => `left and right features must have the same [B, H, W, C] shape, got [${fL.shape}] and [${fR.shape}]`);
  check(Number.isInteger(minK) && Number.isInteger(maxK) && maxK >= minK, 'correlation1d',
    () => `search range must be integers with maxK >= minK, got [${minK}, ${maxK}]`);
}
