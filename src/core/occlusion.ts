import * as tf from '@tensorflow/tfjs';
import { withoutGradient } from './stopGradient';
import { check, sameShape, type DispT, type MapT } from './types';
import { outOfView, warpH } from './warp';

/** Left-right consistency tolerance in pixels at full resolution (METHOD.md). */
export const LR_TOLERANCE_PX = 0.5;

/**
 * Visibility mask M from left-right consistency (METHOD.md), for the left view:
 *
 *   M(x, y) = [ |dL(x, y) - dR(x - dL(x, y), y)| < 0.5 * s ]  and  [ 0 <= x - dL(x, y) <= W - 1 ]
 *
 * M = 1: seen by both cameras and inside the image; M = 0: occluded or out of view.
 * `s` is the width ratio of this level to full resolution (1 at full resolution).
 * For the right view pass (dR, dL) and `view: 'right'` (it looks at x + dR instead).
 * `tolerancePx` (full-resolution pixels) defaults to METHOD.md's 0.5.
 * dL, dR [B, H, W, 1] -> [B, H, W, 1] in {0, 1}, no gradient.
 */
export function visibilityMask(dRef: DispT, dOther: DispT, s = 1, view: 'left' | 'right' = 'left', tolerancePx = LR_TOLERANCE_PX): MapT {
  check(sameShape(dRef.shape, dOther.shape) && dRef.shape[3] === 1, 'visibilityMask',
    () => `both disparities must be [B, H, W, 1] of the same shape, got [${dRef.shape}] and [${dOther.shape}]`);
  const sign = view === 'left' ? -1 : 1;
  return withoutGradient((ref, other) => tf.tidy(() => {
    const otherSeen = warpH(other as DispT, ref as DispT, sign);
    const consistent = tf.less(tf.abs(tf.sub(ref, otherSeen)), tolerancePx * s);
    const inView = tf.equal(outOfView(ref as DispT, sign), 0);
    return tf.cast(tf.logicalAnd(consistent, inView), 'float32') as MapT;
  }), dRef, dOther);
}

/** The occlusion map shown to users: 1 - M (1 = occluded or out of view). */
export function occlusionMap(visibility: MapT): MapT {
  return tf.tidy(() => tf.sub(1, visibility) as MapT);
}
