import * as tf from '@tensorflow/tfjs';
import { check, sameShape, type DispT, type MapT } from './types';

/**
 * Occlusion-aware fusion (stage 3): dFused = M * dStereo + (1 - M) * dSingle.
 * The stereo answer where both views see the pixel, the monocular one where they do not.
 */
export function fuseDisparity(dStereo: DispT, dSingle: DispT, visibility: MapT): DispT {
  check(sameShape(dStereo.shape, dSingle.shape) && sameShape(dStereo.shape, visibility.shape), 'fuseDisparity',
    () => `stereo [${dStereo.shape}], single [${dSingle.shape}] and mask [${visibility.shape}] must have the same shape`);
  return tf.tidy(() => tf.add(tf.mul(visibility, dStereo), tf.mul(tf.sub(1, visibility), dSingle)) as DispT);
}

/** Stage-3 pseudo-label loss: mean |dStereo - dFused| (the label carries no gradient by construction of the caller). */
export function fusedLabelLoss(dStereo: DispT, dFused: DispT): tf.Scalar {
  check(sameShape(dStereo.shape, dFused.shape), 'fusedLabelLoss', () => `shapes differ: [${dStereo.shape}] vs [${dFused.shape}]`);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(dStereo, dFused))) as tf.Scalar);
}
