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
// takes the teachers' forward passes out of every training step.
import * as tf from '@tensorflow/tfjs';
import { fuseDisparity } from '../../core/fusion';
import { flipH } from '../../core/mirror';
import { visibilityMask } from '../../core/occlusion';
import type { DispT, ImageT, MapT } from '../../core/types';
import type { SingleNet } from '../../model/singleNet';
import type { StereoNet } from '../../model/stereoNet';
import type { CropPlan, SceneTensors } from '../pipeline';
import { padTo } from '../predict';
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

/** The frozen StereoNet on a whole scene: both views' disparities and masks, at the scene's size. */
export function teacherMaps(net: StereoNet, st: SceneTensors, tolerancePx?: number): TeacherMaps {
  const { width: W, height: H } = st.scene;
  return tf.tidy(() => {
    const crop = (d: DispT) => d.slice([0, 0, 0, 0], [1, H, W, 1]);
    const { dL, dR } = stereoBothViews(net, padTo(st.leftImg, 32), padTo(st.rightImg, 32));
    const l = crop(dL[0]);
    const r = crop(dR[0]);
    return { dL: l, dR: r, mL: visibilityMask(l, r, 1, 'left', tolerancePx), mR: visibilityMask(r, l, 1, 'right', tolerancePx) };
  });
}

/** Stage 2's labels: [disparity, mask] of the teacher for each view. */
export function distillLabels(net: StereoNet, st: SceneTensors, tolerancePx?: number): ViewLabels {
  return tf.tidy(() => {
    const t = teacherMaps(net, st, tolerancePx);
    return { left: tf.concat([t.dL, t.mL], 3) as tf.Tensor4D, right: tf.concat([t.dR, t.mR], 3) as tf.Tensor4D };
  });
}

/** SingleNet's whole-image disparity of each view (the right one from the mirrored right image). */
function singleBothViews(net: SingleNet, st: SceneTensors): { dL: DispT; dR: DispT } {
  const { width: W, height: H } = st.scene;
  const crop = (d: DispT) => d.slice([0, 0, 0, 0], [1, H, W, 1]);
  const run = (img: ImageT) => crop(net.forward(padTo(img, 32))[0]);
  return { dL: run(st.leftImg), dR: flipH(run(flipH(st.rightImg))) };
}

/** Stage 3's label: the fused disparity (stereo where visible, SingleNet elsewhere) of each view. */
export function fusedLabels(stereo: StereoNet, single: SingleNet, st: SceneTensors, tolerancePx?: number): ViewLabels {
  return tf.tidy(() => {
    const t = teacherMaps(stereo, st, tolerancePx);
    const s = singleBothViews(single, st);
    return { left: fuseDisparity(t.dL, s.dL, t.mL), right: fuseDisparity(t.dR, s.dR, t.mR) };
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
