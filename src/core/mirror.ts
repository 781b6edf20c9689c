import * as tf from '@tensorflow/tfjs';
import type { DispT, ImageT } from './types';

/** Flips an NHWC tensor left-right (along W). Its gradient is the same flip. */
export function flipH<T extends tf.Tensor4D>(x: T): T {
  return tf.reverse(x, 2) as T;
}

/** A stereo predictor: left-view disparities (one or several scales) from a (leftImg, rightImg) pair. */
export type StereoPredict = (leftImg: ImageT, rightImg: ImageT) => DispT[];

/**
 * Right-view disparities by mirroring (METHOD.md): swap the views, flip both horizontally,
 * predict, flip every output back. Right pixel (x, y) then matches left pixel (x + dR, y).
 * The caller disposes the returned tensors.
 */
export function rightDisparities(predict: StereoPredict, leftImg: ImageT, rightImg: ImageT): DispT[] {
  return tf.tidy(() => predict(flipH(rightImg), flipH(leftImg)).map((d) => flipH(d)));
}
