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
