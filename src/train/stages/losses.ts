// The loss of each stage, composed from the pure ops in src/core (METHOD.md). Each returns
// its scalar total and its parts, so reports can show what the optimiser sees.
import * as tf from '@tensorflow/tfjs';
import { distillLoss } from '../../core/distill';
import { fusedLabelLoss } from '../../core/fusion';
import { flipH } from '../../core/mirror';
import { visibilityMask } from '../../core/occlusion';
import { maskedMean, photometricError } from '../../core/photometric';
import { smoothness } from '../../core/smoothness';
import type { DispT, ImageT, MapT } from '../../core/types';
import { warpH } from '../../core/warp';
import type { StereoNet } from '../../model/stereoNet';
import type { SingleNet } from '../../model/singleNet';

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
 * StereoNet's left and right disparities at every output scale, from one batched forward pass:
 * the right view's comes from mirroring (swap the views, flip both, predict, flip back).
 */
export function stereoBothViews(net: StereoNet, leftImg: ImageT, rightImg: ImageT): { dL: DispT[]; dR: DispT[] } {
  const B = leftImg.shape[0];
  const outs = net.forward(tf.concat([leftImg, flipH(rightImg)], 0) as ImageT, tf.concat([rightImg, flipH(leftImg)], 0) as ImageT);
  return {
    dL: outs.map((d) => d.slice([0, 0, 0, 0], [B, -1, -1, -1])),
    dR: outs.map((d) => flipH(d.slice([B, 0, 0, 0], [B, -1, -1, -1]))),
  };
}

/**
 * Stage 1: for both views and every scale (at that scale's resolution),
 *   sum(M * rho(I, warp(I_other, d))) / sum(M) + smoothWeight / 2^k * smoothness(d, I).
 * `visibility` picks M: 'lr' (left-right consistency with tolerance 0.5 * s and the out-of-view
 * term: the method) or 'all' (every pixel; the warm-up).
 */
export function stereoLoss(net: StereoNet, leftImg: ImageT, rightImg: ImageT, smoothWeight: number, visibility: 'lr' | 'all' = 'lr', tolerancePx?: number): LossParts {
  return stereoPhotoLoss(stereoBothViews(net, leftImg, rightImg), leftImg, rightImg, smoothWeight, visibility, tolerancePx);
}

/** The stage-1 loss of disparities already predicted (see stereoLoss). */
export function stereoPhotoLoss(views: { dL: DispT[]; dR: DispT[] }, leftImg: ImageT, rightImg: ImageT, smoothWeight: number, visibility: 'lr' | 'all' = 'lr', tolerancePx?: number): LossParts {
  const W = leftImg.shape[2];
  const scales = nativeScales(views.dL, W);
  let photo = tf.scalar(0);
  let smooth = tf.scalar(0);
  let visible = tf.scalar(1);
  scales.forEach(({ disp: dl, s, k }, i) => {
    const dr = views.dR[i];
    const l = imageAt(leftImg, s);
    const r = imageAt(rightImg, s);
    const ones = () => tf.onesLike(dl) as MapT;
    const mL = visibility === 'lr' ? visibilityMask(dl, dr, s, 'left', tolerancePx) : ones();
    const mR = visibility === 'lr' ? visibilityMask(dr, dl, s, 'right', tolerancePx) : ones();
    photo = tf.add(photo, tf.add(
      maskedMean(photometricError(l, warpH(r, dl, -1)), mL),
      maskedMean(photometricError(r, warpH(l, dr, 1)), mR),
    ));
    smooth = tf.add(smooth, tf.mul(tf.add(smoothness(dl, l), smoothness(dr, r)), smoothWeight / 2 ** k));
    if (i === 0) visible = tf.mean(mL) as tf.Scalar;
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
export function singleLoss(net: SingleNet, leftImg: ImageT, rightImg: ImageT, t: { dL: DispT; M: MapT } | null, mode: 'occlusion' | 'none' | 'photometric', smoothWeight: number): LossParts {
  const scales = nativeScales(net.forward(leftImg), leftImg.shape[2]);
  let data = tf.scalar(0);
  let smooth = tf.scalar(0);
  for (const { disp, s, k } of scales) {
    const l = imageAt(leftImg, s);
    if (mode === 'photometric') {
      const r = imageAt(rightImg, s);
      data = tf.add(data, tf.mean(photometricError(l, warpH(r, disp, -1))));
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
export function fuseLoss(net: StereoNet, leftImg: ImageT, rightImg: ImageT, dFused: DispT, photoWeight: number, smoothWeight: number, tolerancePx?: number): LossParts {
  const views = stereoBothViews(net, leftImg, rightImg);
  let label = tf.scalar(0);
  for (const { disp, s, k } of nativeScales(views.dL, leftImg.shape[2])) {
    label = tf.add(label, fusedLabelLoss(disp, k === 0 ? dFused : (tf.mul(imageAt(dFused, s), s) as DispT)));
  }
  label = tf.div(label, views.dL.length);
  if (photoWeight === 0) return { total: label, parts: { label } };
  const photo = stereoPhotoLoss(views, leftImg, rightImg, smoothWeight, 'lr', tolerancePx);
  return { total: tf.add(label, tf.mul(photo.total, photoWeight)) as tf.Scalar, parts: { label, photo: photo.parts.photo } };
}
