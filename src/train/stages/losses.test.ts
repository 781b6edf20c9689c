import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flipH } from '../../core/mirror';
import { visibilityMask } from '../../core/occlusion';
import { maskedMean } from '../../core/photometric';
import { smoothness } from '../../core/smoothness';
import type { ImageT, MapT } from '../../core/types';
import { warpH } from '../../core/warp';
import { relError } from '../../testing/gradcheck';
import { layeredScene } from '../../testing/scenes';
import { buildStereoNet, stereoNetConfig } from '../../model';
import { dataError, imageAt, nativeScales, stereoBothViews, stereoLoss } from './losses';
import type { StereoNet } from '../../model/stereoNet';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * METHOD.md's stage-1 loss written per view, as the formulas read: the left view's terms with
 * (dL, dR), the right view's with (dR, dL) looking at x + dR. stereoLoss computes the right view's
 * terms on the mirrored images instead (one batched pass); both must agree.
 */
function perViewLoss(net: StereoNet, leftImg: ImageT, rightImg: ImageT, smoothWeight: number, visibility: 'lr' | 'all', tol?: number, census = 0) {
  const { dL, dR } = stereoBothViews(net, leftImg, rightImg);
  const W = leftImg.shape[2];
  let photo = tf.scalar(0);
  let smooth = tf.scalar(0);
  let visible = tf.scalar(0);
  nativeScales(dL, W).forEach(({ disp: dl, s, k }, i) => {
    const dr = dR[i];
    const l = imageAt(leftImg, s);
    const r = imageAt(rightImg, s);
    const mL = visibility === 'lr' ? visibilityMask(dl, dr, s, 'left', tol) : (tf.onesLike(dl) as MapT);
    const mR = visibility === 'lr' ? visibilityMask(dr, dl, s, 'right', tol) : (tf.onesLike(dr) as MapT);
    photo = tf.add(photo, tf.add(maskedMean(dataError(l, warpH(r, dl, -1), census), mL), maskedMean(dataError(r, warpH(l, dr, 1), census), mR)));
    smooth = tf.add(smooth, tf.mul(tf.add(smoothness(dl, l), smoothness(dr, r)), smoothWeight / 2 ** k));
    if (i === 0) visible = tf.mean(mL) as tf.Scalar;
  });
  const n = dL.length;
  photo = tf.div(photo, 2 * n);
  smooth = tf.div(smooth, 2 * n);
  return { total: tf.add(photo, smooth) as tf.Scalar, parts: { photo, smooth, visible } };
}

describe('stage-1 loss in the batched (mirrored) frame', () => {
  // a scene with an occluding foreground, and a net moved off its start so its two views disagree somewhere
  const scene = () => {
    const a = layeredScene({ H: 32, W: 64, bg: 3, fg: 8, x0: 20, x1: 44 });
    const b = layeredScene({ H: 32, W: 64, bg: 5, fg: 2, x0: 10, x1: 30 });
    return { l: tf.concat([a.leftImg, b.leftImg]) as ImageT, r: tf.concat([a.rightImg, b.rightImg]) as ImageT, dispose: () => tf.dispose([...Object.values(a), ...Object.values(b)]) };
  };
  const net = () => {
    const n = buildStereoNet(stereoNetConfig('tiny'));
    for (const v of n.params.list()) v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', 7))));
    return n;
  };

  for (const [visibility, tol, census] of [['lr', 0.5, 0], ['lr', 3, 0], ['all', undefined, 0], ['lr', 3, 0.5]] as const) {
    it(`equals the per-view formulas, value and every gradient (${visibility}${tol ? `, tolerance ${tol} px` : ''}${census ? `, census weight ${census}` : ''})`, async () => {
      const s = scene();
      const n = net();
      const vars = n.params.list();
      const run = (f: () => { total: tf.Scalar; parts: Record<string, tf.Scalar> }) => {
        let parts: Record<string, number> = {};
        const { value, grads } = tf.variableGrads(() => {
          const r = f();
          parts = Object.fromEntries(Object.entries(r.parts).map(([k, t]) => [k, t.dataSync()[0]]));
          return r.total;
        }, vars);
        const out = { total: value.dataSync()[0], parts, grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) };
        tf.dispose([value, ...Object.values(grads)]);
        return out;
      };
      const before = tf.memory().numTensors;
      const batched = run(() => stereoLoss(n, s.l, s.r, 1e-3, visibility, tol, census));
      expect(tf.memory().numTensors).toBe(before); // nothing left behind
      const ref = run(() => perViewLoss(n, s.l, s.r, 1e-3, visibility, tol, census));
      if (census > 0) {
        // the census term is there: the loss without it is smaller
        const without = run(() => stereoLoss(n, s.l, s.r, 1e-3, visibility, tol, 0));
        expect(batched.parts.photo).toBeGreaterThan(without.parts.photo + 1e-3);
      }
      if (visibility === 'lr') {
        // the mask must be neither empty nor full, or the masked means would not be tested
        expect(ref.parts.visible).toBeGreaterThan(0.01);
        expect(ref.parts.visible).toBeLessThan(0.995);
      }
      for (const k of ['photo', 'smooth', 'visible']) expect(batched.parts[k], k).toBeCloseTo(ref.parts[k], 5);
      expect(Math.abs(batched.total - ref.total)).toBeLessThan(1e-5 * Math.abs(ref.total));
      ref.grads.forEach((g, i) => expect(relError(batched.grads[i], g), `${vars[i].name}`).toBeLessThan(1e-4));
      n.dispose();
      s.dispose();
    });
  }

  it('the mirrored right view is the right view: flipping the pair swaps the two views\' terms, not the total', () => {
    const s = scene();
    const n = net();
    const a = tf.tidy(() => stereoLoss(n, s.l, s.r, 1e-3, 'lr', 1).total.dataSync()[0]);
    const b = tf.tidy(() => stereoLoss(n, flipH(s.r) as ImageT, flipH(s.l) as ImageT, 1e-3, 'lr', 1).total.dataSync()[0]);
    expect(Math.abs(a - b)).toBeLessThan(1e-5 * Math.abs(a));
    n.dispose();
    s.dispose();
  });
});
