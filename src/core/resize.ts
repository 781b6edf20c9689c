import * as tf from '@tensorflow/tfjs';
import { acceleratedOps } from './accelerated';
import { customOp } from './customGrad';
import { padReplicate } from './pad';
import type { DispT } from './types';

/** Sum of each 2x2 block: [B, 2h, 2w, C] -> [B, h, w, C]. */
function sumPool2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(tf.avgPool(x, 2, 2, 'valid'), 4) as tf.Tensor4D);
}

const nearest2x = customOp<tf.Tensor4D>(([x]) => {
  const [B, h, w, C] = x.shape as [number, number, number, number];
  const value = tf.tidy(() => {
    const wide = tf.stack([x, x], 3).reshape([B, h, 2 * w, C]);
    return tf.stack([wide, wide], 2).reshape([B, 2 * h, 2 * w, C]) as tf.Tensor4D;
  });
  return { value, gradFunc: (dy) => sumPool2x(dy as tf.Tensor4D) };
});

/**
 * Nearest-neighbour 2x upsampling of an NHWC tensor: [B, h, w, C] -> [B, 2h, 2w, C].
 * Forward by stack + reshape, backward by summing each 2x2 block: exact on every backend
 * (tfjs's resize gradients are wrong or throw on cpu for batch > 1 or H != W, and the
 * autodiff gradient of stack, Unpack, is very slow on wasm).
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  return nearest2x(x);
}

const K1D = [0.25, 0.75, 0.75, 0.25];
/** The 4x4 kernel of 2x bilinear upsampling with half-pixel centres (outer product of [1, 3, 3, 1] / 4). */
const KERNEL_VALUES = K1D.flatMap((a) => K1D.map((b) => a * b));

/**
 * Bilinear 2x upsampling (half-pixel centres, edges replicated, like align_corners=False)
 * of a one-channel map: [B, h, w, 1] -> [B, 2h, 2w, 1]. A transposed convolution with a fixed
 * kernel, so its gradient is a plain convolution on every backend.
 */
export function upsampleBilinear2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [B, h, w] = x.shape;
    const xp = padReplicate(x, 1);
    const full = tf.conv2dTranspose(xp, tf.tensor4d(KERNEL_VALUES, [4, 4, 1, 1]), [B, 2 * (h + 2) + 2, 2 * (w + 2) + 2, 1], 2, 'valid');
    return full.slice([0, 3, 3, 0], [B, 2 * h, 2 * w, 1]);
  });
}

/**
 * Disparity upsampled by 2^levels with bilinear interpolation and multiplied by the width ratio
 * (disparity scales with resolution): [B, h, w, 1] -> [B, h * 2^levels, w * 2^levels, 1].
 */
export function upsampleDisparity(dispPx: DispT, levels: number): DispT {
  // WebGPU: one dispatch a level forward and one backward, the scale folded in (x2 a level is exact);
  // the stock version is ~8 dispatches a level forward (replicate pad, transposed conv, crop) and ~15 backward
  const accel = acceleratedOps(tf.getBackend())?.upsampleBilinear2x;
  if (accel && levels > 0) {
    return tf.tidy(() => {
      let d: tf.Tensor4D = dispPx;
      for (let i = 0; i < levels; i++) d = accel(d, 2);
      return d as DispT;
    });
  }
  return tf.tidy(() => {
    let d = dispPx;
    for (let i = 0; i < levels; i++) d = upsampleBilinear2x(d);
    return levels === 0 ? d.clone() : (tf.mul(d, 2 ** levels) as DispT);
  });
}

/**
 * Disparity resized to any size (bilinear, half-pixel centres) and multiplied by the width ratio.
 * For evaluation and display; not meant to be trained through.
 */
export function resizeDisparity(dispPx: DispT, height: number, width: number): DispT {
  return tf.tidy(() => {
    const ratio = width / dispPx.shape[2];
    return tf.mul(tf.image.resizeBilinear(dispPx, [height, width], false, true), ratio) as DispT;
  });
}
