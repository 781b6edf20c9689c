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
 * least-squares fit of dSingle to dStereo on the visible pixels (visibility 1). The fallback of
 * alignSingle (below) where a window has too few visible pixels.
 *
 * (On the corpus's held-out pairs the general model's SingleNet was 10 px too high on a Middlebury scene and
 * 15 px too low on a KITTI frame, EPE 12-27 px: RESULTS.md, "Depth on scenes no model trained on".)
 * Images with too few visible pixels, or a flat SingleNet answer, are left as they are.
 */
export function alignSingleGlobal(dSingle: DispT, dStereo: DispT, visibility: MapT): DispT {
  check(sameShape(dStereo.shape, dSingle.shape) && sameShape(dStereo.shape, visibility.shape), 'alignSingleGlobal',
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

/** Sums of x over a (2 rh + 1) x (2 rw + 1) window around each pixel, the window cut at the borders (cumulative sums: O(1) a pixel at any size). */
export function boxSum(x: tf.Tensor4D, rh: number, rw: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, H, W] = x.shape;
    const rows = tf.cumsum(tf.pad(x, [[0, 0], [0, 0], [rw + 1, rw], [0, 0]]), 2);
    const alongW = tf.sub(rows.slice([0, 0, 2 * rw + 1, 0], [-1, -1, W, -1]), rows.slice([0, 0, 0, 0], [-1, -1, W, -1]));
    const cols = tf.cumsum(tf.pad(alongW, [[0, 0], [rh + 1, rh], [0, 0], [0, 0]]), 1);
    return tf.sub(cols.slice([0, 2 * rh + 1, 0, 0], [-1, H, -1, -1]), cols.slice([0, 0, 0, 0], [-1, H, -1, -1])) as tf.Tensor4D;
  });
}

export interface LocalAlignOptions {
  /** Half the window's side, as a share of the image width. */
  radius: number;
  /** Fit a scale and an offset per window (else the global scale and a per-window offset). */
  affine: boolean;
  /** Affine only: how strongly each window's scale is pulled to the global one (a multiple of the global variance of dSingle). */
  ridge?: number;
}

/**
 * SingleNet's disparity brought to StereoNet's, window by window: the global fit of alignSingleGlobal, then,
 * around each pixel, the offset (and with `affine` the scale) that best fits dSingle to dStereo on the
 * visible pixels of the window. Windows with fewer than ALIGN_MIN_PIXELS visible pixels keep the global fit.
 */
export function alignSingleLocal(dSingle: DispT, dStereo: DispT, visibility: MapT, o: LocalAlignOptions): DispT {
  check(sameShape(dStereo.shape, dSingle.shape) && sameShape(dStereo.shape, visibility.shape), 'alignSingleLocal',
    () => `single [${dSingle.shape}], stereo [${dStereo.shape}] and mask [${visibility.shape}] must have the same shape`);
  return tf.tidy(() => {
    const [, , W] = dSingle.shape;
    const r = Math.max(1, Math.round(o.radius * W));
    const s = detach(dSingle) as DispT;
    const d = detach(dStereo) as DispT;
    const m = detach(visibility) as MapT;
    const global = alignSingleGlobal(s, d, m);
    // the global scale once more, on centred values: the windows' scales are pulled towards it
    const sum = (t: tf.Tensor) => tf.sum(t, [1, 2, 3], true);
    const nG = tf.maximum(sum(m), 1);
    const msG = tf.div(sum(tf.mul(m, s)), nG);
    const mdG = tf.div(sum(tf.mul(m, d)), nG);
    // centred, so the window sums do not cancel in float32
    const sc = tf.sub(s, msG);
    const dc = tf.sub(d, mdG);
    const varG = tf.maximum(tf.div(sum(tf.mul(m, tf.square(sc))), nG), ALIGN_MIN_VARIANCE);
    const aG = tf.clipByValue(tf.div(tf.div(sum(tf.mul(m, tf.mul(sc, dc))), nG), varG), 1 / ALIGN_MAX_SCALE, ALIGN_MAX_SCALE);
    const n = boxSum(m, r, r);
    const safeN = tf.maximum(n, 1);
    const mean = (t: tf.Tensor) => tf.div(boxSum(tf.mul(m, t) as tf.Tensor4D, r, r), safeN);
    const ms = mean(sc);
    const md = mean(dc);
    let a: tf.Tensor = aG;
    if (o.affine) {
      const lam = tf.mul(varG, o.ridge ?? 1);
      const v = tf.maximum(tf.sub(mean(tf.square(sc)), tf.square(ms)), 0);
      const c = tf.sub(mean(tf.mul(sc, dc)), tf.mul(ms, md));
      a = tf.clipByValue(tf.div(tf.add(c, tf.mul(lam, aG)), tf.add(v, lam)), 1 / ALIGN_MAX_SCALE, ALIGN_MAX_SCALE);
    }
    const b = tf.sub(md, tf.mul(a, ms));
    const local = tf.relu(tf.add(tf.add(tf.mul(a, sc), b), mdG));
    return tf.where(tf.greaterEqual(n, ALIGN_MIN_PIXELS), local, global) as DispT;
  });
}

/**
 * Window of the fit alignSingle makes: half its side is ALIGN_RADIUS of the image width (17 px on a
 * 384-px crop, 56 px on a 1242-px KITTI frame); each window's scale is pulled to the global one with
 * ALIGN_RIDGE times the global variance of dSingle.
 *
 * Chosen on the six held-out corpus pairs with GT (CORPUS_VAL, cli/corpus.ts), never on the validation
 * scenes, with the general model (scripts/fusion-sweep.ts; RESULTS.md, "The fused map"): mean EPE of the
 * fused map 4.81 px with one fit per image, 3.47 with these windows (StereoNet alone 3.63); radii of 0.03
 * and 0.06 gave 3.56 and 3.47, 0.015 and 0.12 gave 3.90 and 3.79; ridges from 0 to 10 moved it by < 0.1 px, and
 * a small one keeps windows where SingleNet is flat from fitting a wild scale.
 */
export const ALIGN_RADIUS = 0.045;
export const ALIGN_RIDGE = 0.01;

/**
 * SingleNet's disparity brought to StereoNet's scale before fusing: a scale and an offset fitted, by
 * least squares on the visible pixels, in a window around each pixel (alignSingleLocal), the global fit
 * where a window holds too few visible pixels.
 *
 * Why: a single image does not tell the cameras' baseline or focal length, so on a pair it was not trained
 * on SingleNet's disparities are off by a factor and an offset, while its relative depth is still
 * informative; and that error is not the same across the image (one fit per image left the fused map
 * worse than StereoNet on the held-out pairs: 4.81 against 3.63 px). An occluded pixel sits beside
 * visible ones of the same surface, so the fit around it brings SingleNet's shape there to StereoNet's
 * scale. A SingleNet trained on the pair itself is already at its scale and the fit stays near a = 1, b = 0.
 * No gradient flows through the fit (it makes labels and maps).
 */
export function alignSingle(dSingle: DispT, dStereo: DispT, visibility: MapT): DispT {
  return alignSingleLocal(dSingle, dStereo, visibility, { radius: ALIGN_RADIUS, affine: true, ridge: ALIGN_RIDGE });
}
