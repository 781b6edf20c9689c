import * as tf from '@tensorflow/tfjs';
import { acceleratedOps } from './accelerated';
import { detach } from './stopGradient';
import { check, type DispT, type ImageT } from './types';

/** Neighbour differences along x and y: [B, H, W-1, C] and [B, H-1, W, C]. */
export function gradients(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const [, H, W] = x.shape;
  const gx = tf.sub(x.slice([0, 0, 0, 0], [-1, -1, W - 1, -1]), x.slice([0, 0, 1, 0], [-1, -1, W - 1, -1])) as tf.Tensor4D;
  const gy = tf.sub(x.slice([0, 0, 0, 0], [-1, H - 1, -1, -1]), x.slice([0, 1, 0, 0], [-1, H - 1, -1, -1])) as tf.Tensor4D;
  return [gx, gy];
}

/** The weight of the smoothness term at a scale: 1e-3 / 2^scale (METHOD.md). */
export function smoothnessWeight(scale: number): number {
  return 1e-3 / 2 ** scale;
}

/**
 * Edge-aware first-order smoothness (Monodepth2): mean |gx(d)| exp(-|gx(I)|) + mean |gy(d)| exp(-|gy(I)|),
 * where d is the disparity divided by its per-image mean and the image gradients are averaged over
 * channels. dispPx [B, H, W, 1], img [B, H, W, C] (same H, W) -> scalar (unweighted; see smoothnessWeight).
 * The image only weights the terms: it is taken as a constant (detached: no gradient, not even a zero one).
 */
export function smoothness(dispPx: DispT, img: ImageT): tf.Scalar {
  check(dispPx.shape[1] === img.shape[1] && dispPx.shape[2] === img.shape[2] && dispPx.shape[3] === 1,
    'smoothness', () => `disparity [${dispPx.shape}] and image [${img.shape}] must share H and W, with one disparity channel`);
  return tf.tidy(() => {
    // WebGPU: the normalisation and the terms in two dispatches forward and three backward
    // (src/backends/webgpu/smoothness.ts), where these stock ops are ~18 with their gradients
    const accel = acceleratedOps(tf.getBackend())?.smoothnessMap;
    if (accel) return tf.sum(accel(dispPx, img)) as tf.Scalar;
    const meanD = tf.mean(dispPx, [1, 2, 3], true);
    const d = tf.div(dispPx, tf.add(meanD, 1e-7));
    const [dx, dy] = gradients(d as tf.Tensor4D);
    const [ix, iy] = gradients(detach(img));
    const wx = tf.exp(tf.neg(tf.mean(tf.abs(ix), 3, true)));
    const wy = tf.exp(tf.neg(tf.mean(tf.abs(iy), 3, true)));
    return tf.add(tf.mean(tf.mul(tf.abs(dx), wx)), tf.mean(tf.mul(tf.abs(dy), wy))) as tf.Scalar;
  });
}
