import * as tf from '@tensorflow/tfjs';
import { check, sameShape, type DispT, type MapT } from './types';
import { detach } from './stopGradient';

/**
 * Occlusion-aware fusion (stage 3): dFused = M * dStereo + (1 - M) * dSingle.
 * The stereo answer where both views see the pixel, the monocular one where they do not. The callers
 * that fuse SingleNet's answer pass it through alignSingle first (below).
 */
export function fuseDisparity(dStereo: DispT, dSingle: DispT, visibility: MapT): DispT {
  check(sameShape(dStereo.shape, dSingle.shape) && sameShape(dStereo.shape, visibility.shape), 'fuseDisparity',
    () => `stereo [${dStereo.shape}], single [${dSingle.shape}] and mask [${visibility.shape}] must have the same shape`);
  return tf.tidy(() => tf.add(tf.mul(visibility, dStereo), tf.mul(tf.sub(1, visibility), dSingle)) as DispT);
}

/** Fewest visible pixels, and the least spread of SingleNet's answer on them, for which alignSingle fits (else it leaves dSingle). */
const ALIGN_MIN_PIXELS = 64;
const ALIGN_MIN_VARIANCE = 1e-4;
/** The fitted scale is held to [1 / ALIGN_MAX_SCALE, ALIGN_MAX_SCALE]. */
const ALIGN_MAX_SCALE = 4;

/**
 * SingleNet's disparity brought to StereoNet's scale, per image: a * dSingle + b, with a and b the
 * least-squares fit of dSingle to dStereo on the visible pixels (visibility 1).
 *
 * Why: a single image does not tell the cameras' baseline or focal length, so on a pair it was not
 * trained on SingleNet's disparities are off by a factor and an offset (on the corpus's held-out pairs,
 * the general model's SingleNet was 10 px too high on a Middlebury scene and 15 px too low on a KITTI frame,
 * EPE 12-27 px: RESULTS.md, "Depth on scenes no model trained on"), while its relative depth is still
 * informative. The stereo answer on the visible pixels fixes the scale; the fused map then takes SingleNet's
 * shape, at StereoNet's scale, on the pixels only one view sees. A SingleNet trained on the pair itself is
 * already at its scale and the fit is near a = 1, b = 0. Images with too few visible pixels, or a flat
 * SingleNet answer, are left as they are. No gradient flows through the fit (it makes labels and maps).
 */
export function alignSingle(dSingle: DispT, dStereo: DispT, visibility: MapT): DispT {
  check(sameShape(dStereo.shape, dSingle.shape) && sameShape(dStereo.shape, visibility.shape), 'alignSingle',
    () => `single [${dSingle.shape}], stereo [${dStereo.shape}] and mask [${visibility.shape}] must have the same shape`);
  return tf.tidy(() => {
    const s = detach(dSingle) as DispT;
    const d = detach(dStereo) as DispT;
    const m = detach(visibility) as MapT;
    const sum = (t: tf.Tensor) => tf.sum(t, [1, 2, 3], true);
    const n = sum(m);
    const safeN = tf.maximum(n, 1);
    const mean = (t: tf.Tensor) => tf.div(sum(tf.mul(m, t)), safeN);
    const ms = mean(s);
    const md = mean(d);
    const varS = tf.sub(mean(tf.square(s)), tf.square(ms));
    const cov = tf.sub(mean(tf.mul(s, d)), tf.mul(ms, md));
    const ok = tf.logicalAnd(tf.greaterEqual(n, ALIGN_MIN_PIXELS), tf.greater(varS, ALIGN_MIN_VARIANCE));
    const a = tf.where(ok, tf.clipByValue(tf.div(cov, tf.maximum(varS, ALIGN_MIN_VARIANCE)), 1 / ALIGN_MAX_SCALE, ALIGN_MAX_SCALE), tf.onesLike(n));
    const b = tf.where(ok, tf.sub(md, tf.mul(a, ms)), tf.zerosLike(n));
    return tf.relu(tf.add(tf.mul(s, a), b)) as DispT;
  });
}

/** Stage-3 pseudo-label loss: mean |dStereo - dFused| (the label carries no gradient by construction of the caller). */
export function fusedLabelLoss(dStereo: DispT, dFused: DispT): tf.Scalar {
  check(sameShape(dStereo.shape, dFused.shape), 'fusedLabelLoss', () => `shapes differ: [${dStereo.shape}] vs [${dFused.shape}]`);
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(dStereo, dFused))) as tf.Scalar);
}
