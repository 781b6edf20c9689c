import { describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { assembleScene } from './scene';
import { grayPng, solidRgbPng } from '../testing/images';

const part = (bytes: Uint8Array, name: string) => ({ bytes, name });

describe('assembleScene', () => {
  it('assembles a pair with GT and mask', () => {
    const scene = assembleScene({
      name: 's',
      left: part(solidRgbPng(4, 2), 'l.png'),
      right: part(solidRgbPng(4, 2, [1, 2, 3]), 'r.png'),
      gt: { ...part(grayPng([0, 4, 8, 12, 16, 20, 24, 28], 4, 2, 8), 'd.png'), scale: 4 },
      nonOcc: part(grayPng([0, 255, 255, 255, 0, 255, 255, 255], 4, 2, 8), 'm.png'),
    });
    expect([scene.name, scene.width, scene.height]).toEqual(['s', 4, 2]);
    expect(scene.rightImg.data[0]).toBeCloseTo(1 / 255, 6);
    expect(Array.from(scene.gtDisp?.data ?? [])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(scene.nonOccMask ?? [])).toEqual([0, 1, 1, 1, 0, 1, 1, 1]);
  });

  it('names both files and both sizes when left and right differ', () => {
    const run = () => assembleScene({ name: 's', left: part(solidRgbPng(4, 2), 'left.png'), right: part(solidRgbPng(5, 2), 'right.png') });
    expect(run).toThrow(DataError);
    expect(run).toThrow('right.png: right image is 5x2 but the left image left.png is 4x2');
  });

  it('refuses GT or mask of another size', () => {
    const base = { name: 's', left: part(solidRgbPng(4, 2), 'l.png'), right: part(solidRgbPng(4, 2), 'r.png') };
    const gt = { ...part(grayPng([1, 2, 3], 3, 1, 8), 'disp.png'), scale: 1 };
    expect(() => assembleScene({ ...base, gt })).toThrow('disp.png: GT disparity is 3x1 but the left image l.png is 4x2');
    const nonOcc = part(grayPng([1, 2, 3, 4, 5, 6, 7, 8], 2, 4, 8), 'mask.png');
    expect(() => assembleScene({ ...base, nonOcc })).toThrow(/mask\.png: non-occlusion mask is 2x4/);
  });

  it('passes the missing-scale error through', () => {
    const base = { name: 's', left: part(solidRgbPng(1, 1), 'l.png'), right: part(solidRgbPng(1, 1), 'r.png') };
    expect(() => assembleScene({ ...base, gt: part(grayPng([3], 1, 1, 8), 'g.png') })).toThrow(/unknown GT scale/);
  });
});
