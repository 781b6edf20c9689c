// Pseudo-labels of the frozen teachers (stages 2 and 3), computed once per scene on the whole
// image and cut with the same crops as the batch.
//
// Why whole images: a crop's left strip (as wide as the disparity) has its match outside the
// right crop, so a teacher run on the crop marks it out of view and nothing supervises it, at
// every crop position. SingleNet then never learns what to say near the left edge of its input,
// and at test time the whole image's left strip (the real out-of-view band, 7 % of teddy's
// pixels) came out ~15 px too small. On the whole image only that real band is unsupervised, and
// SingleNet has learnt the content near its input's left edge from every other crop position.
// The teachers are frozen, so the labels are the same at every step: computing them once also
// takes the teachers' forward passes out of every training step (stage 3 keeps one, below).
//
// Stage 3 is the exception on the pixels both views of the crop see: there its label is the
// frozen StereoNet's answer on the crop itself (cropFusedLabel), whole-image labels elsewhere.
// With the whole-image label everywhere, StereoNet-D got worse on visible pixels even when the
// label was StereoNet's own whole-image answer, with nothing new to learn: on teddy, 250 steps
// took bad-3 from 22.4 to 25.4 %. Our reading: it learns to give on a crop what it gave on the
// whole image, and on the whole image at test time that shift is added once more. With crop
// labels on visible pixels: StereoNet-D 2.34 px / 22.3 % against 2.58 / 25.3 (RESULTS.md,
// "Stage 3's label on visible pixels comes from the crop").
//
// A scene larger than LABEL_AREA_FACTOR crops is labelled on a copy resized down to that many
// pixels (labels resized back up), so the one-off cost stays bounded on slow backends: with the
// default 256x128 crops every shared scene, KITTI included, is labelled at full size; with the
// browser tests' 64x32 crops on software WebGPU, full-size labels of five scenes took minutes.
import * as tf from '@tensorflow/tfjs';
import { alignSingle, fuseDisparity } from '../../core/fusion';
import { flipH } from '../../core/mirror';
import { visibilityMask } from '../../core/occlusion';
import type { DispT, ImageT, MapT } from '../../core/types';
import type { SingleNet } from '../../model/singleNet';
import type { StereoNet } from '../../model/stereoNet';
import type { CropPlan, SceneTensors } from '../pipeline';
import { disparityAtScene, viewAt } from '../predict';
import { stereoBothViews } from './losses';

/**
 * Label maps of one scene at its full size, channels last: `left` in the left view's frame, and
 * `right`, the same for the mirrored pair (right image as the reference view), in the right
 * view's frame. A flipped crop takes its label from `right`, flipped.
 */
export interface ViewLabels {
  left: tf.Tensor4D;
  right: tf.Tensor4D;
}

/** The teacher's disparities and visibility masks of both views of a scene ([1, H, W, 1] each). */
export interface TeacherMaps {
  dL: DispT;
  dR: DispT;
  mL: MapT;
  mR: MapT;
}

/** The most pixels a scene is labelled at, in crops (see the top of this file). */
export const LABEL_AREA_FACTOR = 16;

/** The scale a scene is labelled at: 1, or less where it is larger than LABEL_AREA_FACTOR crops. */
export function labelScale(scene: { width: number; height: number }, crop: { width: number; height: number }): number {
  return Math.min(1, Math.sqrt((LABEL_AREA_FACTOR * crop.width * crop.height) / (scene.width * scene.height)));
}

/** A scene's size at scale f (what the teachers run on), at least 16 x 16 (padding to 32 mirrors at most that much). */
function sizeAt(st: SceneTensors, f: number): [number, number] {
  const { width: W, height: H } = st.scene;
  return f >= 1 ? [H, W] : [Math.max(16, Math.round(H * f)), Math.max(16, Math.round(W * f))];
}

/**
 * The frozen StereoNet on a whole scene, at scale f (labelScale): both views' disparities and
 * masks at that size ([1, h, w, 1], disparities in its pixels).
 */
export function teacherMaps(net: StereoNet, st: SceneTensors, tolerancePx?: number, f = 1): TeacherMaps {
  const size = sizeAt(st, f);
  const s = size[1] / st.scene.width;
  return tf.tidy(() => {
    const crop = (d: DispT) => d.slice([0, 0, 0, 0], [1, size[0], size[1], 1]);
    const { dL, dR } = stereoBothViews(net, viewAt(st.leftImg, size), viewAt(st.rightImg, size));
    const l = crop(dL[0]);
    const r = crop(dR[0]);
    // the tolerance is in the scene's pixels: s of them at this size
    return { dL: l, dR: r, mL: visibilityMask(l, r, s, 'left', tolerancePx), mR: visibilityMask(r, l, s, 'right', tolerancePx) };
  });
}

/** A map at a reduced size brought back to the scene's: disparities scaled, masks by nearest neighbour. */
function toScene(st: SceneTensors, d: DispT, m?: tf.Tensor4D): tf.Tensor4D {
  const { width: W, height: H } = st.scene;
  const dd = disparityAtScene(d, H, W);
  if (!m) return dd;
  return tf.concat([dd, m.shape[1] === H && m.shape[2] === W ? m : tf.image.resizeNearestNeighbor(m, [H, W], false, true)], 3);
}

/** Stage 2's labels: [disparity, mask] of the teacher for each view, at the scene's size. */
export function distillLabels(net: StereoNet, st: SceneTensors, tolerancePx?: number, f = 1): ViewLabels {
  return tf.tidy(() => {
    const t = teacherMaps(net, st, tolerancePx, f);
    return { left: toScene(st, t.dL, t.mL), right: toScene(st, t.dR, t.mR) };
  });
}

/** SingleNet's whole-image disparity of each view at size [h, w] (the right one from the mirrored right image). */
function singleBothViews(net: SingleNet, st: SceneTensors, size: [number, number]): { dL: DispT; dR: DispT } {
  const crop = (d: DispT) => d.slice([0, 0, 0, 0], [1, size[0], size[1], 1]);
  const run = (img: ImageT) => crop(net.forward(viewAt(img, size))[0]);
  return { dL: run(st.leftImg), dR: flipH(run(flipH(st.rightImg))) };
}

/** Stage 3's label: the fused disparity (stereo where visible, SingleNet elsewhere) of each view, at the scene's size. */
export function fusedLabels(stereo: StereoNet, single: SingleNet, st: SceneTensors, tolerancePx?: number, f = 1): ViewLabels {
  return tf.tidy(() => {
    const t = teacherMaps(stereo, st, tolerancePx, f);
    const s = singleBothViews(single, st, sizeAt(st, f));
    return { left: toScene(st, fuseDisparity(t.dL, alignSingle(s.dL, t.dL, t.mL), t.mL)), right: toScene(st, fuseDisparity(t.dR, alignSingle(s.dR, t.dR, t.mR), t.mR)) };
  });
}

/**
 * Stage 3's label of a batch ([B, h, w, 1]): the frozen StereoNet's own answer on the crop where
 * both views of the crop see the pixel (its left-right check on the crop, tolerance in pixels),
 * and `whole`, the whole-image fused label cut to the crop, elsewhere: the crop's real
 * occlusions and its left strip, whose match lies outside the right crop.
 */
export function cropFusedLabel(frozen: StereoNet, leftImg: ImageT, rightImg: ImageT, whole: DispT, tolerancePx?: number): DispT {
  return tf.tidy(() => {
    const { dL, dR } = stereoBothViews(frozen, leftImg, rightImg);
    return fuseDisparity(dL[0], whole, visibilityMask(dL[0], dR[0], 1, 'left', tolerancePx));
  });
}

/**
 * Labels of the current scenes, computed when first asked for and again when the scene set
 * changes (the runner swaps in a new array), and cut with a batch's crop plan.
 */
export class SceneLabels {
  private source?: SceneTensors[];
  private labels: ViewLabels[] = [];

  constructor(private readonly compute: (st: SceneTensors) => ViewLabels) {}

  private of(scenes: SceneTensors[]): ViewLabels[] {
    if (scenes !== this.source) {
      this.disposeLabels();
      this.labels = scenes.map((st) => this.compute(st));
      this.source = scenes;
    }
    return this.labels;
  }

  /** Makes the labels of `scenes` now and waits until they exist (one value read back). */
  async prepare(scenes: SceneTensors[]): Promise<void> {
    const labels = this.of(scenes);
    if (labels.length === 0) return;
    const probe = labels[labels.length - 1].right.slice([0, 0, 0, 0], [1, 1, 1, 1]);
    try {
      await probe.data();
    } finally {
      probe.dispose();
    }
  }

  /** The labels under a batch's crops, [B, h, w, C], flipped where the crop is. The caller disposes it. */
  cut(scenes: SceneTensors[], plan: CropPlan[], h: number, w: number): tf.Tensor4D {
    const labels = this.of(scenes);
    return tf.tidy(() => tf.concat(plan.map((c) => {
      const L = labels[c.scene];
      if (!L) throw new Error(`SceneLabels.cut: the crop plan names scene ${c.scene}, but there are ${labels.length}`);
      const cut = (t: tf.Tensor4D) => t.slice([0, c.y, c.x, 0], [1, h, w, -1]);
      return c.flip ? flipH(cut(L.right)) : cut(L.left);
    }), 0) as tf.Tensor4D);
  }

  private disposeLabels(): void {
    for (const l of this.labels) tf.dispose([l.left, l.right]);
    this.labels = [];
    this.source = undefined;
  }

  dispose(): void {
    this.disposeLabels();
  }
}
