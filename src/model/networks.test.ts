import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomTensor } from '../testing/gradcheck';
import { buildSingleNet, buildStereoNet, singleNetConfig, stereoNetConfig } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const B = 2, H = 32, W = 64;
let leftImg: tf.Tensor4D, rightImg: tf.Tensor4D;
beforeAll(() => {
  leftImg = randomTensor([B, H, W, 3], 1) as tf.Tensor4D;
  rightImg = randomTensor([B, H, W, 3], 2) as tf.Tensor4D;
});
afterAll(() => tf.dispose([leftImg, rightImg]));

async function allFinite(ts: tf.Tensor[]): Promise<boolean> {
  for (const t of ts) if (!(await tf.all(tf.isFinite(t)).data())[0]) return false;
  return true;
}

describe('StereoNet', () => {
  it('gives multi-scale disparities with the documented shapes, finite, positive at start', async () => {
    const net = buildStereoNet(stereoNetConfig('tiny'));
    const out = net.forward(leftImg, rightImg);
    // tiny: finest level 1/4, then 1/8 and 1/16
    expect(out.map((t) => t.shape)).toEqual([[B, H, W, 1], [B, H / 4, W / 4, 1], [B, H / 8, W / 8, 1], [B, H / 16, W / 16, 1]]);
    expect(await allFinite(out)).toBe(true);
    // the coarsest estimate is a soft-argmax over the bins 0..coarseRange (= maxDisp / 16): strictly inside them
    const coarse = await out[3].data();
    expect(Math.min(...coarse)).toBeGreaterThan(0);
    expect(Math.max(...coarse)).toBeLessThan(net.config.coarseRange);
    expect(net.config.coarseRange * 16).toBe(net.config.maxDisp);
    tf.dispose(out);
    net.dispose();
  });

  it('default preset: finest level 1/4 (as the PyTorch reference; a cheaper step than 1/2, BENCHMARKS.md), a regressing config still builds', () => {
    const net = buildStereoNet(stereoNetConfig('default'));
    const out = net.forward(leftImg, rightImg);
    expect(out.map((t) => t.shape[2])).toEqual([W, W / 4, W / 8, W / 16]);
    tf.dispose(out);
    net.dispose();
    // models saved before the matching design have no `design` field and regress
    const old = buildStereoNet({ ...stereoNetConfig('default', { finestLevel: 1, coarseRange: 6, maxDisp: 96 }), design: undefined });
    const o = old.forward(leftImg, rightImg);
    expect(o.map((t) => t.shape[2])).toEqual([W, W / 2, W / 4, W / 8, W / 16]);
    expect([...old.params.vars.keys()].some((k) => k.startsWith('match/'))).toBe(false);
    tf.dispose(o);
    old.dispose();
  });

  it('matches by construction: with a sharp softmax, the untrained coarsest level finds a shift of two bins', async () => {
    // a texture with structure at several scales, the right view shifted so that left x matches right x - 32
    const Hs = 64, Ws = 256, shift = 32;
    const net = buildStereoNet(stereoNetConfig('tiny', { seed: 3 }));
    const [l, r] = tf.tidy(() => {
      let img = tf.zeros([1, Hs, Ws + shift, 3]) as tf.Tensor4D;
      for (const k of [1, 4, 16]) {
        const n = tf.randomUniform([1, Math.ceil(Hs / k), Math.ceil((Ws + shift) / k), 3], 0, 1, 'float32', k) as tf.Tensor4D;
        img = tf.add(img, tf.image.resizeBilinear(n, [Hs, Ws + shift])) as tf.Tensor4D;
      }
      img = tf.div(img, 3) as tf.Tensor4D;
      return [img.slice([0, 0, 0, 0], [1, Hs, Ws, 3]), img.slice([0, 0, shift, 0], [1, Hs, Ws, 3])] as tf.Tensor4D[];
    });
    const beta = net.params.get('match/beta');
    beta.assign(tf.fill(beta.shape, 200));
    const out = net.forward(l, r);
    const coarse = await out[out.length - 1].data(); // [1, 4, 16, 1]
    // columns away from the borders (the padding changes the features there)
    const inner: number[] = [];
    for (let y = 1; y < 3; y++) for (let x = 2; x < 12; x++) inner.push(coarse[y * 16 + x]);
    const near = inner.filter((d) => Math.abs(d - shift / 16) < 0.25).length;
    expect(near / inner.length).toBeGreaterThan(0.8);
    tf.dispose([l, r, ...out]);
    net.dispose();
  });

  it('every weight gets a finite, non-zero gradient, and a step leaks no tensors', async () => {
    const net = buildStereoNet(stereoNetConfig('tiny'));
    const step = () => tf.variableGrads(() => {
      const out = net.forward(leftImg, rightImg);
      return tf.addN(out.map((d) => tf.mean(tf.square(d)))) as tf.Scalar;
    }, net.params.list());
    const first = step();
    const grads = Object.values(first.grads);
    expect(grads).toHaveLength(net.params.list().length);
    expect(await allFinite(grads)).toBe(true);
    for (const g of grads) expect((await tf.max(tf.abs(g)).data())[0]).toBeGreaterThan(0);
    tf.dispose([first.value, ...grads]);
    const before = tf.memory().numTensors;
    const again = step();
    tf.dispose([again.value, ...Object.values(again.grads)]);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('building and disposing a network leaves no tensors behind', () => {
    const before = tf.memory().numTensors;
    buildStereoNet(stereoNetConfig('tiny')).dispose();
    buildSingleNet(singleNetConfig('tiny')).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is reproducible from its seed and says which sizes it accepts', async () => {
    const a = buildStereoNet(stereoNetConfig('tiny', { seed: 5 }));
    const b = buildStereoNet(stereoNetConfig('tiny', { seed: 5 }));
    const c = buildStereoNet(stereoNetConfig('tiny', { seed: 6 }));
    const [oa, ob, oc] = [a, b, c].map((n) => n.forward(leftImg, rightImg)[0]);
    expect(Array.from(await oa.data())).toEqual(Array.from(await ob.data()));
    expect(Array.from(await oa.data())).not.toEqual(Array.from(await oc.data()));
    const odd = tf.zeros([1, 30, 64, 3]) as tf.Tensor4D;
    expect(() => a.forward(odd, odd)).toThrow(/multiple of 16/);
    tf.dispose([oa, ob, oc, odd]);
    [a, b, c].forEach((n) => n.dispose());
  });
});

describe('SingleNet', () => {
  it('gives disparities at full, 1/2, 1/4 and 1/8 resolution inside (0, maxDisp / 2^level)', async () => {
    const net = buildSingleNet(singleNetConfig('tiny'));
    const out = net.forward(leftImg);
    expect(out.map((t) => t.shape)).toEqual([[B, H, W, 1], [B, H / 2, W / 2, 1], [B, H / 4, W / 4, 1], [B, H / 8, W / 8, 1]]);
    for (const [i, d] of out.entries()) {
      const v = await d.data();
      expect(Math.min(...v)).toBeGreaterThan(0);
      expect(Math.max(...v)).toBeLessThan(net.config.maxDisp / 2 ** i);
    }
    tf.dispose(out);
    net.dispose();
  });

  it('every weight gets a finite, non-zero gradient', async () => {
    const net = buildSingleNet(singleNetConfig('tiny'));
    const { value, grads } = tf.variableGrads(() => tf.addN(net.forward(leftImg).map((d) => tf.mean(tf.square(d)))) as tf.Scalar, net.params.list());
    expect(await allFinite(Object.values(grads))).toBe(true);
    for (const g of Object.values(grads)) expect((await tf.max(tf.abs(g)).data())[0]).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    const odd = tf.zeros([1, 48, 64, 3]) as tf.Tensor4D;
    expect(() => net.forward(odd)).toThrow(/multiple of 32/);
    odd.dispose();
    net.dispose();
  });
});

describe('parameter counts', () => {
  it('are printed per preset and grow from tiny to default', () => {
    const counts: Record<string, number> = {};
    for (const preset of ['tiny', 'default'] as const) {
      const s = buildStereoNet(stereoNetConfig(preset));
      const m = buildSingleNet(singleNetConfig(preset));
      counts[`stereo/${preset}`] = s.paramCount();
      counts[`single/${preset}`] = m.paramCount();
      expect(s.paramCount()).toBe(s.params.list().reduce((n, v) => n + v.size, 0));
      s.dispose();
      m.dispose();
    }
    console.log('parameter counts', counts);
    expect(counts['stereo/tiny']).toBeLessThan(counts['stereo/default']);
    expect(counts['single/tiny']).toBeLessThan(counts['single/default']);
  });
});
