import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipH } from '../core/mirror';
import { CropSampler, uploadScene, type SceneTensors } from './pipeline';
import type { TrainScene } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A scene whose pixel values encode their own coordinates, so crops can be located. */
function codedScene(id: string, W: number, H: number): TrainScene {
  const left = new Float32Array(W * H * 3);
  const right = new Float32Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = (y * W + x) * 3;
    left.set([x / W, y / H, 0.25], i);
    right.set([x / W, y / H, 0.75], i);
  }
  return { id, name: id, width: W, height: H, leftImg: left, rightImg: right };
}

const base = { width: 32, height: 16, batch: 3, jitter: 0, flip: false, seed: 4 };
let scenes: SceneTensors[];
beforeAll(() => {
  scenes = [uploadScene(codedScene('a', 80, 40)), uploadScene(codedScene('b', 48, 32))];
});
afterAll(() => scenes.forEach((s) => tf.dispose([s.leftImg, s.rightImg])));

describe('crop sampler', () => {
  it('is reproducible from its seed and differs with another seed', () => {
    expect(new CropSampler(scenes, base).plan()).toEqual(new CropSampler(scenes, base).plan());
    expect(new CropSampler(scenes, base).plan()).not.toEqual(new CropSampler(scenes, { ...base, seed: 5 }).plan());
  });

  it('cuts crops of the fixed size at the planned places, inside the scene', async () => {
    const sampler = new CropSampler(scenes, base);
    for (let n = 0; n < 5; n++) {
      const plan = sampler.plan();
      const b = sampler.batch(plan);
      expect(b.leftImg.shape).toEqual([3, 16, 32, 3]);
      const v = await b.leftImg.data();
      plan.forEach((c, i) => {
        const { width: W, height: H } = scenes[c.scene].scene;
        expect(c.x + 32).toBeLessThanOrEqual(W);
        expect(c.y + 16).toBeLessThanOrEqual(H);
        const o = i * 16 * 32 * 3; // top-left pixel of crop i
        expect(v[o]).toBeCloseTo(c.x / W, 6);
        expect(v[o + 1]).toBeCloseTo(c.y / H, 6);
        expect(v[o + 2]).toBeCloseTo(0.25, 6);
      });
      tf.dispose([b.leftImg, b.rightImg]);
    }
  });

  it('a flip mirrors both views and swaps them, so it is still a left/right pair', async () => {
    const sampler = new CropSampler(scenes, { ...base, flip: true });
    const plan = sampler.plan().map((c) => ({ ...c, flip: true }));
    const flipped = sampler.batch(plan);
    const plain = sampler.batch(plan.map((c) => ({ ...c, flip: false })));
    expect(Array.from(await flipped.leftImg.data())).toEqual(Array.from(await flipH(plain.rightImg).data()));
    expect(Array.from(await flipped.rightImg.data())).toEqual(Array.from(await flipH(plain.leftImg).data()));
    tf.dispose([flipped.leftImg, flipped.rightImg, plain.leftImg, plain.rightImg]);
  });

  it('jitters both views alike and stays in [0, 1]', async () => {
    const sampler = new CropSampler(scenes, { ...base, jitter: 0.5 });
    const plan = sampler.plan();
    const j = sampler.batch(plan);
    const plain = sampler.batch(plan.map((c) => ({ ...c, brightness: 0, contrast: 1, colour: [1, 1, 1] as [number, number, number] })));
    const [jl, pl] = [await j.leftImg.data(), await plain.leftImg.data()];
    expect(Math.min(...jl)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...jl)).toBeLessThanOrEqual(1);
    expect(Array.from(jl)).not.toEqual(Array.from(pl));
    // the same colour transform on both views: the map from plain to jittered values agrees
    const jr = await j.rightImg.data();
    const pr = await plain.rightImg.data();
    const gain = plan[0].colour[0] * plan[0].contrast;
    const expect0 = (p: number) => Math.min(1, Math.max(0, (p - 0.5) * gain + 0.5 + plan[0].brightness));
    expect(jl[0]).toBeCloseTo(expect0(pl[0]), 5);
    expect(jr[0]).toBeCloseTo(expect0(pr[0]), 5);
    tf.dispose([j.leftImg, j.rightImg, plain.leftImg, plain.rightImg]);
  });

  it('says which pair is smaller than the crop and what to do', () => {
    expect(() => new CropSampler(scenes, { ...base, width: 64, height: 32 })).toThrow(/pair "b" is 48x32, smaller than the 64x32 training crop: lower the crop size to at most 32x32/);
    expect(() => new CropSampler([], base)).toThrow(/no stereo pairs/);
  });
});
