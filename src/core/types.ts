import type * as tf from '@tensorflow/tfjs';

/** An image batch, NHWC, RGB in [0, 1]: [B, H, W, 3]. */
export type ImageT = tf.Tensor4D;
/** A disparity batch in pixels of its own resolution, one channel: [B, H, W, 1]. */
export type DispT = tf.Tensor4D;
/** A per-pixel map with one channel, e.g. a mask (0/1) or an error: [B, H, W, 1]. */
export type MapT = tf.Tensor4D;

/** Throws an Error that names the op when `cond` is false. */
export function check(cond: boolean, op: string, msg: () => string): asserts cond {
  if (!cond) throw new Error(`${op}: ${msg()}`);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
