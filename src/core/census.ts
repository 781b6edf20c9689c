import * as tf from '@tensorflow/tfjs';
import { padReplicate } from './pad';
import { stopGradient } from './stopGradient';
import { check, sameShape, type MapT } from './types';

/** Softness of the ternary transform, on grey levels in [0, 255] (UnFlow's 0.81: about one grey level). */
const TERNARY_EPS = 0.81;
/** Softness of the per-neighbour Hamming distance (UnFlow's 0.1). */
const HAMMING_EPS = 0.1;

/** The 8 neighbours of a 3x3 window as one-hot filters [3, 3, 1, 8] (the centre left out). */
function neighbourFilter(): tf.Tensor4D {
  const w = new Float32Array(9 * 8);
  let k = 0;
  for (let i = 0; i < 9; i++) if (i !== 4) w[i * 8 + k++] = 1;
  return tf.tensor4d(w, [3, 3, 1, 8]);
}

/**
 * Soft ternary census transform of an RGB image: for each of the 8 neighbours n of a pixel c in its
 * 3x3 window, t = (g_n - g_c) / sqrt(0.81 + (g_n - g_c)^2) on grey levels g in [0, 255] (borders
 * replicated): about the sign of the difference, so it does not change with gain or offset.
 * [B, H, W, C] -> [B, H, W, 8].
 */
export function ternaryCensus(img: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const g = tf.mul(tf.mean(img, 3, true), 255) as tf.Tensor4D;
    const patches = tf.conv2d(padReplicate(g, 1), neighbourFilter(), 1, 'valid');
    const d = tf.sub(patches, g);
    return tf.div(d, tf.sqrt(tf.add(tf.square(d), TERNARY_EPS))) as tf.Tensor4D;
  });
}

/**
 * Per-pixel census distance between two images: the mean over the 8 neighbours of the soft Hamming
 * distance q^2 / (0.1 + q^2), q the difference of their ternary census transforms (Meister et al.,
 * UnFlow, AAAI 2018), in [0, 1). It compares the order of neighbouring grey levels, not the
 * levels, so it holds where the views differ in exposure or the texture is dark and faint, where
 * the SSIM + L1 error can prefer a wrong match (RESULTS.md, "The census term"). `a` is a constant unless
 * `gradA`, as in photometricError. [B, H, W, C] x 2 -> [B, H, W, 1].
 */
export function censusError(a: tf.Tensor4D, b: tf.Tensor4D, opts: { gradA?: boolean } = {}): MapT {
  check(sameShape(a.shape, b.shape), 'censusError', () => `inputs must have the same shape, got [${a.shape}] and [${b.shape}]`);
  return tf.tidy(() => {
    const ta = ternaryCensus(opts.gradA ? a : stopGradient(a));
    const q2 = tf.square(tf.sub(ta, ternaryCensus(b)));
    return tf.mean(tf.div(q2, tf.add(q2, HAMMING_EPS)), 3, true) as MapT;
  });
}
