// The loss of each stage, composed from the pure ops in src/core (METHOD.md). Each returns
// its scalar total and its parts, so reports can show what the optimiser sees.
import * as tf from '@tensorflow/tfjs';
import { distillLoss } from '../../core/distill';
import { fusedLabelLoss } from '../../core/fusion';
import { flipH } from '../../core/mirror';
import { visibilityMask } from '../../core/occlusion';
import { censusError } from '../../core/census';
import { photometricError } from '../../core/photometric';
import { detach } from '../../core/stopGradient';
import { smoothness } from '../../core/smoothness';
import type { DispT, ImageT, MapT } from '../../core/types';
import { warpH } from '../../core/warp';
import type { StereoNet } from '../../model/stereoNet';
import type { SingleNet } from '../../model/singleNet';

/**
 * The per-pixel data term of the photometric losses: METHOD.md's rho (0.85 SSIM + 0.15 L1), plus
 * `censusWeight` times the census distance (src/core/census.ts) when that is above 0. `a` is the
 * image the error is measured from (no gradient), `b` the other view warped onto it.
 */
export function dataError(a: ImageT, b: ImageT, censusWeight = 0): MapT {
  if (!(censusWeight > 0)) return photometricError(a, b);
  return tf.tidy(() => tf.add(photometricError(a, b), tf.mul(censusError(a, b), censusWeight)) as MapT);
}

export interface LossParts {
  total: tf.Scalar;
  parts: Record<string, tf.Scalar>;
}

/**
 * The scales a loss is computed at, each at its own resolution (METHOD.md): StereoNet's
 * full-resolution output and every native level (its finest level, then coarser ones), with
 * the images area-downsampled to match and s = the width ratio to full resolution. At coarse
 * scales a pixel of error spans many full-resolution pixels, which widens the basin the
 * photometric gradient can pull a wrong disparity out of.
 */
export interface Scale {
  disp: DispT;
  /** Width ratio of this scale to full resolution (1, 1/2, 1/4, ...). */
  s: number;
  /** Scale index: 0 at full resolution, k at 1/2^k (smoothness weight 1/2^k). */
  k: number;
}

export function nativeScales(outputs: DispT[], fullWidth: number): Scale[] {
  return outputs.map((disp) => {
    const s = disp.shape[2] / fullWidth;
    return { disp, s, k: Math.round(-Math.log2(s)) };
  });
}

/** An image brought to a scale: area average over 1/s x 1/s blocks. */
export function imageAt(img: ImageT, s: number): ImageT {
  const f = Math.round(1 / s);
  return f === 1 ? img : (tf.avgPool(img, f, f, 'valid') as ImageT);
}

/**
 * StereoNet on both views in one batched forward pass, kept in the batched frame: the batch is
 * [the left views; the mirrored right views] (swap the views, flip both), so `d[i]` holds, at
 * every output scale, the left disparities in its first B items and the flipped right
 * disparities in its last B. `left` and `right` are the network's two inputs in the same frame:
 * [leftImg; flipH(rightImg)] and [rightImg; flipH(leftImg)].
 *
 * In that frame the right view's loss terms are the left view's formulas (METHOD.md's right-view
 * terms mirrored: a flip maps x + dR onto x' - dR, and the SSIM window, the linear warp, the
 * clamping and the smoothness are symmetric under it), so stage 1 computes each term once on
 * 2B images instead of twice on B: half the kernel calls of the loss on every backend.
 */
export interface BatchedViews {
  d: DispT[];
  left: ImageT;
  right: ImageT;
  /** Pairs in the original batch (the batched frame holds 2B). */
  B: number;
}

export function stereoBatched(net: StereoNet, leftImg: ImageT, rightImg: ImageT): BatchedViews {
  const left = tf.concat([leftImg, flipH(rightImg)], 0) as ImageT;
  const right = tf.concat([rightImg, flipH(leftImg)], 0) as ImageT;
  return { d: net.forward(left, right), left, right, B: leftImg.shape[0] };
}

/** The first B items (the left views' disparities) of a batched map. */
export function leftHalf(d: DispT, B: number): DispT {
  return d.slice([0, 0, 0, 0], [B, -1, -1, -1]);
}

/**
 * For every item of the batched frame, the other view's disparity in that item's frame: for a left
 * view the right view's (flipped back), for a mirrored right view the left view's (flipped).
 */
export function otherView(d: DispT, B: number): DispT {
  return flipH(tf.concat([d.slice([B, 0, 0, 0], [B, -1, -1, -1]), leftHalf(d, B)], 0) as DispT);
}

/**
 * StereoNet's left and right disparities at every output scale, from one batched forward pass:
 * the right view's comes from mirroring (swap the views, flip both, predict, flip back).
 */
export function stereoBothViews(net: StereoNet, leftImg: ImageT, rightImg: ImageT): { dL: DispT[]; dR: DispT[] } {
  const { d, B } = stereoBatched(net, leftImg, rightImg);
  return {
    dL: d.map((x) => leftHalf(x, B)),
    dR: d.map((x) => flipH(x.slice([B, 0, 0, 0], [B, -1, -1, -1]))),
  };
}

/**
 * Sum over the two views of each view's masked mean, sum(M * err) / sum(M), for maps in the
 * batched frame (first B items: left view; last B: right view). The mask carries no gradient (it is
 * detached: not even a zero one).
 * Computed as sum(err * w) with w = M / (its view's sum(M) + eps): w is made from the mask alone,
 * off the tape, so the backward pass is one product instead of the quotient's gradients (on
 * WebGPU each is a dispatch, and these are on tiny tensors).
 */
export function maskedMeanPerView(err: MapT, mask: MapT, B: number, eps = 1e-7): tf.Scalar {
  return tf.tidy(() => {
    const m = detach(mask);
    const [, H, W, C] = m.shape;
    const byView = tf.reshape(m, [2, B * H * W * C]);
    const w = tf.reshape(tf.div(byView, tf.add(tf.sum(byView, 1, true), eps)), m.shape);
    return tf.sum(tf.mul(err, w)) as tf.Scalar;
  });
}

/**
 * Stage 1: for both views and every scale (at that scale's resolution),
 *   sum(M * rho(I, warp(I_other, d))) / sum(M) + smoothWeight / 2^k * smoothness(d, I).
 * `visibility` picks M: 'lr' (left-right consistency with tolerance 0.5 * s and the out-of-view
 * term: the method) or 'all' (every pixel; the warm-up).
 */
export function stereoLoss(net: StereoNet, leftImg: ImageT, rightImg: ImageT, smoothWeight: number, visibility: 'lr' | 'all' = 'lr', tolerancePx?: number, censusWeight = 0): LossParts {
  return stereoPhotoLoss(stereoBatched(net, leftImg, rightImg), smoothWeight, visibility, tolerancePx, censusWeight);
}

/**
 * The stage-1 loss of disparities already predicted (see stereoLoss), computed in the batched
 * frame: each view's right-view terms are its mirror image's left-view terms.
 */
export function stereoPhotoLoss(views: BatchedViews, smoothWeight: number, visibility: 'lr' | 'all' = 'lr', tolerancePx?: number, censusWeight = 0): LossParts {
  const { left, right, B } = views;
  const scales = nativeScales(views.d, left.shape[2]);
  let photo = tf.scalar(0);
  let smooth = tf.scalar(0);
  let visible = tf.scalar(1);
  scales.forEach(({ disp: d, s, k }, i) => {
    const l = imageAt(left, s);
    const r = imageAt(right, s);
    // the mask is computed from d detached from the tape (d's gradient comes through the warp and the
    // smoothness): nothing of it reaches the backward pass, not even a zero gradient to add
    const dd = detach(d);
    const m = visibility === 'lr'
      ? visibilityMask(dd, otherView(dd, B), s, 'left', tolerancePx)
      : (tf.onesLike(d) as MapT);
    photo = tf.add(photo, maskedMeanPerView(dataError(l, warpH(r, d, -1), censusWeight), m, B));
    // smoothness() averages over the batch: times 2 gives the sum of the two views' terms
    smooth = tf.add(smooth, tf.mul(smoothness(d, l), (2 * smoothWeight) / 2 ** k));
    if (i === 0) visible = tf.mean(leftHalf(m, B)) as tf.Scalar;
  });
  const n = scales.length;
  photo = tf.div(photo, 2 * n);
  smooth = tf.div(smooth, 2 * n);
  return { total: tf.add(photo, smooth) as tf.Scalar, parts: { photo, smooth, visible } };
}

/**
 * Stage 2: SingleNet at every scale against the teacher on visible pixels ('occlusion', the
 * method) or on all pixels ('none'), or by the photometric loss alone ('photometric', no
 * teacher: an ablation), plus smoothness.
 */
export function singleLoss(net: SingleNet, leftImg: ImageT, rightImg: ImageT, t: { dL: DispT; M: MapT } | null, mode: 'occlusion' | 'none' | 'photometric', smoothWeight: number, censusWeight = 0): LossParts {
  const scales = nativeScales(net.forward(leftImg), leftImg.shape[2]);
  let data = tf.scalar(0);
  let smooth = tf.scalar(0);
  for (const { disp, s, k } of scales) {
    const l = imageAt(leftImg, s);
    if (mode === 'photometric') {
      const r = imageAt(rightImg, s);
      data = tf.add(data, tf.mean(dataError(l, warpH(r, disp, -1), censusWeight)));
    } else {
      if (!t) throw new Error(`singleLoss: mode "${mode}" needs a teacher`);
      // the teacher's label and mask brought to this scale (disparity scales with width)
      const label = k === 0 ? t.dL : (tf.mul(imageAt(t.dL, s), s) as DispT);
      const mask = mode === 'none' ? (tf.onesLike(label) as MapT) : k === 0 ? t.M : (tf.cast(tf.greater(imageAt(t.M, s), 0.999), 'float32') as MapT);
      data = tf.add(data, distillLoss(disp, label, mask));
    }
    smooth = tf.add(smooth, tf.mul(smoothness(disp, l), smoothWeight / 2 ** k));
  }
  data = tf.div(data, scales.length);
  smooth = tf.div(smooth, scales.length);
  return { total: tf.add(data, smooth) as tf.Scalar, parts: { [mode === 'photometric' ? 'photo' : 'distill']: data, smooth } };
}

/**
 * Stage 3: StereoNet at every scale against the fused pseudo-label (mean |d - dFused|), plus
 * `photoWeight` times the stage-1 loss.
 */
export function fuseLoss(net: StereoNet, leftImg: ImageT, rightImg: ImageT, dFused: DispT, photoWeight: number, smoothWeight: number, tolerancePx?: number, censusWeight = 0): LossParts {
  const views = stereoBatched(net, leftImg, rightImg);
  let label = tf.scalar(0);
  for (const { disp, s, k } of nativeScales(views.d, leftImg.shape[2])) {
    label = tf.add(label, fusedLabelLoss(leftHalf(disp, views.B), k === 0 ? dFused : (tf.mul(imageAt(dFused, s), s) as DispT)));
  }
  label = tf.div(label, views.d.length);
  if (photoWeight === 0) return { total: label, parts: { label } };
  const photo = stereoPhotoLoss(views, smoothWeight, 'lr', tolerancePx, censusWeight);
  return { total: tf.add(label, tf.mul(photo.total, photoWeight)) as tf.Scalar, parts: { label, photo: photo.parts.photo } };
}
