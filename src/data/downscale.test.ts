import { describe, expect, it } from 'vitest';
import { downscaleDisp, downscaleMask, downscaleRgb, downscaleScene } from './downscale';
import type { RgbImage } from './image';

describe('downscaling', () => {
  const ramp = (w: number, h: number): RgbImage => ({ width: w, height: h, data: Float32Array.from({ length: w * h * 3 }, (_, i) => Math.floor(i / 3)) });

  it('averages RGB blocks and floors the size', () => {
    const img = downscaleRgb(ramp(5, 4), 2); // pixel value = its index
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(Array.from(img.data.filter((_, i) => i % 3 === 0))).toEqual([3, 5, 13, 15]);
  });

  it('disparity: mean of valid values divided by the factor; no valid value gives 0', () => {
    const d = downscaleDisp({ width: 4, height: 2, data: Float32Array.from([8, 0, 0, 0, 4, 0, 0, 0]) }, 2);
    expect(Array.from(d.data)).toEqual([3, 0]);
  });

  it('mask: 1 only where the whole block is 1', () => {
    expect(Array.from(downscaleMask(Uint8Array.from([1, 1, 1, 0, 1, 1, 1, 1]), 4, 2, 2))).toEqual([1, 0]);
  });

  it('downscaleScene shrinks every map and records the factor', () => {
    const scene = {
      name: 's', width: 4, height: 4, leftImg: ramp(4, 4), rightImg: ramp(4, 4), fileWidth: 4, fileHeight: 4, factor: 1,
      gtDisp: { width: 4, height: 4, data: new Float32Array(16).fill(10) }, nonOccMask: new Uint8Array(16).fill(1), files: { left: 'l', right: 'r' },
    };
    const small = downscaleScene(scene, 4);
    expect([small.width, small.height, small.factor, small.gtDisp!.data[0], small.nonOccMask![0]]).toEqual([1, 1, 4, 2.5, 1]);
    expect(() => downscaleScene(scene, 1.5)).toThrow(/whole number/);
  });
});
