import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SingleNet } from '../model/singleNet';
import type { StereoNet } from '../model/stereoNet';
import type { ImageT } from '../core/types';
import { uploadScene } from './pipeline';
import { predictAnswer, predictMaps } from './predict';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A stand-in StereoNet that answers `px` pixels of disparity everywhere, at whatever size it is given. */
function constantStereo(px: number, maxDisp = 128): StereoNet {
  return { config: { maxDisp }, forward: (l: ImageT) => [tf.fill([l.shape[0], l.shape[1], l.shape[2], 1], px)] } as unknown as StereoNet;
}

function scene(W: number, H: number) {
  const img = () => Float32Array.from({ length: W * H * 3 }, (_, i) => (i % 7) / 7);
  return uploadScene({ id: 's', name: 's', width: W, height: H, leftImg: img(), rightImg: img() });
}

describe('predictAnswer: the answer at the scale inferScale chooses', () => {
  it('native: the same maps as predictMaps at the pair\'s own size, no factor', async () => {
    const st = scene(96, 64);
    const nets = { stereo: constantStereo(8) };
    const a = await predictAnswer(nets, st, 2, false);
    const b = await predictMaps(nets, st, 1, 2);
    expect(a.factor).toBeUndefined();
    expect(Array.from(a.stereoDisp!)).toEqual(Array.from(b.stereoDisp!));
  });

  it('auto: a pair whose first answer is small (8 px, range 128) runs at 2x; its maps come back at its size and in its pixels', async () => {
    const st = scene(96, 64);
    // the stand-in says 8 px at any size: at 2x that is 8 px of the doubled pair, 4 px of the pair
    const single = { forward: (l: ImageT) => [tf.fill([l.shape[0], l.shape[1], l.shape[2], 1], 6)] } as unknown as SingleNet;
    const a = await predictAnswer({ stereo: constantStereo(8), single }, st, 2, true);
    expect(a.factor).toBe(2);
    expect([a.width, a.height, a.stereoDisp!.length, a.occlusion!.length, a.fusedDisp!.length]).toEqual([96, 64, 96 * 64, 96 * 64, 96 * 64]);
    for (const v of a.stereoDisp!) expect(v).toBeCloseTo(4, 4);
    // SingleNet's own map is its answer at the pair's size (6 px), not the 2x pass's halved (3 px)
    for (const v of a.singleDisp!) expect(v).toBeCloseTo(6, 4);
  });

  it('auto: a first answer near half the range leaves the pair at its size', async () => {
    const st = scene(96, 64);
    const a = await predictAnswer({ stereo: constantStereo(60) }, st, 2, true);
    expect(a.factor).toBeUndefined();
    for (const v of a.stereoDisp!) expect(v).toBeCloseTo(60, 4);
  });
});

describe('predictAnswer with edgeRefine: StereoNet\'s and the fused map refined at their depth edges', () => {
  it('refines those two maps (refineEdges on the raw answer), leaves SingleNet and the occlusion map, and says so', async () => {
    const W = 64;
    const H = 32;
    // a left image dark left of x = 30, bright right of it; the stand-in StereoNet answers a ramp across x = 26..34
    const left = new Float32Array(W * H * 3);
    for (let i = 0; i < W * H; i++) left.fill(i % W < 30 ? 0.2 : 0.8, 3 * i, 3 * i + 3);
    const st = uploadScene({ id: 's', name: 's', width: W, height: H, leftImg: left, rightImg: left });
    const ramp = (l: ImageT) => tf.tidy(() => {
      const [, h, w] = l.shape;
      const x = tf.range(0, w).div(w / W); // in the pair's columns at any size
      return [tf.tile(x.sub(26).clipByValue(0, 8).mul(2).add(4).reshape([1, 1, w, 1]), [1, h, 1, 1]) as tf.Tensor4D];
    });
    const stereo = { config: { maxDisp: 128 }, forward: ramp } as unknown as StereoNet;
    const single = { forward: (l: ImageT) => [tf.fill([l.shape[0], l.shape[1], l.shape[2], 1], 6)] } as unknown as SingleNet;
    const raw = await predictAnswer({ stereo, single }, st, 2, false);
    const refined = await predictAnswer({ stereo, single }, st, 2, false, { matchRefine: 0, edgeRefine: 5 });
    const { refineEdges } = await import('../core/edgeRefine');
    expect(raw.edgeRefine).toBeUndefined();
    expect(refined.edgeRefine).toBe(5);
    expect(refined.matchRefine).toBeUndefined();
    expect(Array.from(refined.stereoDisp!)).toEqual(Array.from(refineEdges(raw.stereoDisp!, left, W, H, 5)));
    expect(Array.from(refined.fusedDisp!)).toEqual(Array.from(refineEdges(raw.fusedDisp!, left, W, H, 5)));
    expect(Array.from(refined.stereoDisp!)).not.toEqual(Array.from(raw.stereoDisp!)); // the ramp did move
    expect(Array.from(refined.singleDisp!)).toEqual(Array.from(raw.singleDisp!));
    expect(Array.from(refined.occlusion!)).toEqual(Array.from(raw.occlusion!));
    tf.dispose([st.leftImg, st.rightImg]);
  });
});

describe('predictAnswer with matchRefine: the final maps moved onto their best matches, then edge-refined', () => {
  it('applies refineByMatching, then refineEdges, to StereoNet\'s and the fused map only, and says so', async () => {
    const W = 64;
    const H = 32;
    // a textured pair whose true disparity is 5 px everywhere; the stand-in StereoNet answers 6.5
    const tex = (x: number, y: number, c: number) => 0.5 + 0.2 * Math.sin(0.9 * x + 0.3 * y + c) + 0.15 * Math.sin(0.37 * x - 0.8 * y + 2 * c);
    const left = new Float32Array(W * H * 3);
    const right = new Float32Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) {
      left[3 * (y * W + x) + c] = tex(x, y, c);
      right[3 * (y * W + x) + c] = tex(x + 5, y, c);
    }
    const st = uploadScene({ id: 's', name: 's', width: W, height: H, leftImg: left, rightImg: right });
    const stereo = { config: { maxDisp: 128 }, forward: (l: ImageT) => [tf.fill([l.shape[0], l.shape[1], l.shape[2], 1], 6.5)] } as unknown as StereoNet;
    const single = { forward: (l: ImageT) => [tf.fill([l.shape[0], l.shape[1], l.shape[2], 1], 6)] } as unknown as SingleNet;
    const raw = await predictAnswer({ stereo, single }, st, 2, false);
    const refined = await predictAnswer({ stereo, single }, st, 2, false, { matchRefine: 3, edgeRefine: 5 });
    const { refineEdges } = await import('../core/edgeRefine');
    const { refineByMatching } = await import('../core/matchRefine');
    expect(refined.matchRefine).toBe(3);
    expect(refined.edgeRefine).toBe(5);
    for (const k of ['stereoDisp', 'fusedDisp'] as const) {
      expect(Array.from(refined[k]!)).toEqual(Array.from(refineEdges(refineByMatching(raw[k]!, left, right, W, H, { range: 3 }), left, W, H, 5)));
    }
    // the matching found the true 5 px away from the image's sides (the stand-in said 6.5)
    const mid = refined.stereoDisp![16 * W + 32];
    expect(Math.abs(mid - 5)).toBeLessThan(0.25);
    expect(Array.from(refined.singleDisp!)).toEqual(Array.from(raw.singleDisp!));
    expect(Array.from(refined.occlusion!)).toEqual(Array.from(raw.occlusion!));
    tf.dispose([st.leftImg, st.rightImg]);
  });
});
