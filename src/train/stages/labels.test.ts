import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipH } from '../../core/mirror';
import type { DispT, ImageT } from '../../core/types';
import { stereoNetConfig } from '../../model/config';
import type { SingleNet } from '../../model/singleNet';
import { buildStereoNet, type StereoNet } from '../../model/stereoNet';
import { CropSampler, uploadScene, type CropPlan, type SceneTensors } from '../pipeline';
import { cropFusedLabel, distillLabels, fusedLabels, labelScale, LABEL_AREA_FACTOR, SceneLabels, teacherMaps } from './labels';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const W = 64;
const H = 32;

function randomScene(id: string, seed: number): SceneTensors {
  const img = () => tf.randomUniform([1, H, W, 3], 0, 1, 'float32', seed++) as ImageT;
  const leftImg = img();
  const rightImg = img();
  const scene = { id, name: id, width: W, height: H, leftImg: leftImg.dataSync() as Float32Array, rightImg: rightImg.dataSync() as Float32Array };
  tf.dispose([leftImg, rightImg]);
  return uploadScene(scene);
}

/** A stand-in network that answers the same disparity everywhere, at every output scale. */
function constantStereo(d: number): StereoNet {
  return { forward: (l: ImageT) => [tf.fill([l.shape[0], l.shape[1], l.shape[2], 1], d) as DispT] } as unknown as StereoNet;
}
function constantSingle(d: number): SingleNet {
  return { forward: (l: ImageT) => [tf.fill([l.shape[0], l.shape[1], l.shape[2], 1], d) as DispT] } as unknown as SingleNet;
}

const column = (t: tf.Tensor4D, ch: number, y = 0) => Array.from(t.slice([0, y, 0, ch], [1, 1, -1, 1]).dataSync());

let scenes: SceneTensors[];
beforeAll(() => {
  scenes = [randomScene('a', 1), randomScene('b', 7)];
});
afterAll(() => scenes.forEach((s) => tf.dispose([s.leftImg, s.rightImg])));

describe('teacher labels from whole images', () => {
  it('mark only the image\'s own left band out of view, so a crop away from the edge is supervised across its width', () => {
    const labels = distillLabels(constantStereo(6), scenes[0]);
    const mask = column(labels.left, 1);
    expect(mask.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]); // x - 6 < 0: really out of view
    expect(mask.slice(6).every((v) => v === 1)).toBe(true);
    // the right view's band is at its right edge (x + 6 > W - 1)
    const maskR = column(labels.right, 1);
    expect(maskR.slice(W - 6).every((v) => v === 0)).toBe(true);
    expect(maskR.slice(0, W - 6).every((v) => v === 1)).toBe(true);

    const sl = new SceneLabels(() => labels);
    const plan: CropPlan[] = [{ scene: 0, x: 20, y: 3, flip: false, brightness: 0, contrast: 1, colour: [1, 1, 1] }];
    const cut = sl.cut(scenes.slice(0, 1), plan, 16, 32);
    expect(cut.shape).toEqual([1, 16, 32, 2]);
    // A teacher run on this crop alone would mark its first 6 columns out of view; here they are labelled.
    expect(Array.from(cut.slice([0, 0, 0, 1], [1, -1, -1, 1]).dataSync()).every((v) => v === 1)).toBe(true);
    expect(Array.from(cut.slice([0, 0, 0, 0], [1, -1, -1, 1]).dataSync()).every((v) => v === 6)).toBe(true);
    tf.dispose(cut);
    sl.dispose();
  });

  it('give a flipped crop the label of the mirrored pair, equal to the teacher run on that pair', () => {
    const net = buildStereoNet(stereoNetConfig('tiny', { seed: 3 }));
    const st = scenes[1];
    const labels = distillLabels(net, st, 2);
    // the mirrored pair: the flipped right image becomes the left view
    const mirrored: SceneTensors = { scene: st.scene, leftImg: flipH(st.rightImg), rightImg: flipH(st.leftImg) };
    const direct = teacherMaps(net, mirrored, 2);
    const sl = new SceneLabels(() => labels);
    const plan: CropPlan[] = [{ scene: 0, x: 16, y: 0, flip: true, brightness: 0, contrast: 1, colour: [1, 1, 1] }];
    const cut = sl.cut([st], plan, 32, 32);
    // the flipped crop at x = 16 covers the mirrored pair's columns W - 16 - 32 .. W - 16
    const x0 = W - 16 - 32;
    const expectD = direct.dL.slice([0, 0, x0, 0], [1, 32, 32, 1]);
    const expectM = direct.mL.slice([0, 0, x0, 0], [1, 32, 32, 1]);
    const gotD = cut.slice([0, 0, 0, 0], [1, -1, -1, 1]);
    const gotM = cut.slice([0, 0, 0, 1], [1, -1, -1, 1]);
    expect(tf.max(tf.abs(tf.sub(gotD, expectD))).dataSync()[0]).toBeLessThan(1e-4);
    const differ = tf.sum(tf.abs(tf.sub(gotM, expectM))).dataSync()[0];
    expect(differ).toBe(0);
    // and the mask is not trivial: some pixels visible, the disparities not constant
    expect(tf.sum(gotM).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([cut, expectD, expectM, gotD, gotM, mirrored.leftImg, mirrored.rightImg, direct.dL, direct.dR, direct.mL, direct.mR]);
    sl.dispose();
    net.dispose();
  });

  it('fuse stereo where visible and SingleNet elsewhere, in each view\'s own frame', () => {
    const labels = fusedLabels(constantStereo(6), constantSingle(3), scenes[0]);
    const left = column(labels.left, 0);
    expect(left.slice(0, 6)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(left.slice(6).every((v) => v === 6)).toBe(true);
    const right = column(labels.right, 0);
    expect(right.slice(W - 6).every((v) => v === 3)).toBe(true);
    expect(right.slice(0, W - 6).every((v) => v === 6)).toBe(true);
    // a flipped crop at the right edge sees the right view's band at its own left edge, as a left view would
    const sl = new SceneLabels(() => labels);
    const cut = sl.cut([scenes[0]], [{ scene: 0, x: W - 32, y: 0, flip: true, brightness: 0, contrast: 1, colour: [1, 1, 1] }], 32, 32);
    expect(column(cut, 0).slice(0, 7)).toEqual([3, 3, 3, 3, 3, 3, 6]);
    tf.dispose(cut);
    sl.dispose();
  });

  it('are computed once per scene set, recomputed when the set changes, and leak nothing', () => {
    let computed = 0;
    const net = constantStereo(4);
    const sl = new SceneLabels((st) => {
      computed++;
      return distillLabels(net, st);
    });
    const sampler = new CropSampler(scenes, { width: 32, height: 16, batch: 2, jitter: 0.1, flip: true, seed: 5 });
    const cutOnce = () => {
      const b = sampler.batch();
      tf.dispose([b.leftImg, b.rightImg, sl.cut(b.scenes, b.plan, 16, 32)]);
    };
    cutOnce();
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) cutOnce();
    expect(tf.memory().numTensors).toBe(n0);
    expect(computed).toBe(2);
    const other = [scenes[1]];
    tf.dispose(sl.cut(other, [{ scene: 0, x: 0, y: 0, flip: false, brightness: 0, contrast: 1, colour: [1, 1, 1] }], 16, 32));
    expect(computed).toBe(3);
    expect(tf.memory().numTensors).toBe(n0 - 2); // two scenes' labels freed, one computed: 4 tensors -> 2
    sl.dispose();
    expect(tf.memory().numTensors).toBe(n0 - 4);
  });

  it('label a scene larger than LABEL_AREA_FACTOR crops at a lower scale, brought back to its size in its pixels', () => {
    expect(labelScale({ width: 450, height: 375 }, { width: 256, height: 128 })).toBe(1); // teddy at the default crop
    expect(labelScale({ width: 1242, height: 375 }, { width: 256, height: 128 })).toBe(1); // KITTI too
    const f = labelScale({ width: W, height: H }, { width: 8, height: 4 });
    expect(f).toBeCloseTo(Math.sqrt((LABEL_AREA_FACTOR * 8 * 4) / (W * H)), 6);
    expect(f).toBe(0.5);
    // a constant 6 px at half size is 12 px at full size; the out-of-view band doubles with it
    const labels = distillLabels(constantStereo(6), scenes[0], 0.5, f);
    expect(labels.left.shape).toEqual([1, H, W, 2]);
    const d = column(labels.left, 0, 5);
    expect(d.every((v) => Math.abs(v - 12) < 1e-4)).toBe(true);
    const m = column(labels.left, 1, 5);
    expect(m.slice(0, 12).every((v) => v === 0)).toBe(true);
    expect(m.slice(12).every((v) => v === 1)).toBe(true);
    const fused = fusedLabels(constantStereo(6), constantSingle(2), scenes[0], 0.5, f);
    // the right view's band (12 px at full size) takes SingleNet's 2 px (4 at full size); bilinear blends the one edge
    const r = column(fused.right, 0, 5);
    expect(r.slice(W - 11).every((v) => Math.abs(v - 4) < 1e-4)).toBe(true);
    expect(r.slice(0, W - 14).every((v) => Math.abs(v - 12) < 1e-4)).toBe(true);
    tf.dispose([labels.left, labels.right, fused.left, fused.right]);
  });

  it('stage 3 on a batch: the frozen StereoNet\'s own crop answer where both views of the crop see, the whole-image label elsewhere', () => {
    // A constant 6 px: the crop's first 6 columns have their match outside the right crop.
    const whole = tf.fill([2, 16, 32, 1], 3) as DispT;
    const b = { l: scenes[0].leftImg.slice([0, 0, 8, 0], [1, 16, 32, 3]) as ImageT, r: scenes[0].rightImg.slice([0, 0, 8, 0], [1, 16, 32, 3]) as ImageT };
    const l2 = tf.concat([b.l, b.l]) as ImageT;
    const r2 = tf.concat([b.r, b.r]) as ImageT;
    const label = cropFusedLabel(constantStereo(6), l2, r2, whole, 0.5);
    expect(label.shape).toEqual([2, 16, 32, 1]);
    expect(column(label, 0, 4)).toEqual([3, 3, 3, 3, 3, 3, ...new Array(26).fill(6)]);
    // With a real network, wherever its left-right check on the crop passes, the label is the network's own
    // answer on that crop: stage 3 starts with no pull on the pixels StereoNet can match.
    const net = buildStereoNet(stereoNetConfig('tiny', { seed: 4 }));
    const away = tf.fill([2, 16, 32, 1], -50) as DispT; // no disparity is -50: marks where the whole-image label was taken
    const real = cropFusedLabel(net, l2, r2, away, 2);
    const own = net.forward(tf.concat([l2, flipH(r2)]) as ImageT, tf.concat([r2, flipH(l2)]) as ImageT)[0].slice([0, 0, 0, 0], [2, -1, -1, -1]);
    const fromCrop = tf.notEqual(real, -50);
    const n = tf.sum(tf.cast(fromCrop, 'float32')).dataSync()[0];
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(2 * 16 * 32); // and some pixels fail the check
    const diff = tf.max(tf.where(fromCrop, tf.abs(tf.sub(real, own)), tf.zerosLike(real))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([whole, b.l, b.r, l2, r2, label, away, real, own, fromCrop]);
    net.dispose();
  });

  it('says which scene is missing when a plan does not fit the scenes', () => {
    const sl = new SceneLabels((st) => distillLabels(constantStereo(2), st));
    expect(() => sl.cut([scenes[0]], [{ scene: 1, x: 0, y: 0, flip: false, brightness: 0, contrast: 1, colour: [1, 1, 1] }], 16, 32)).toThrow(/scene 1/);
    sl.dispose();
  });
});
