import { describe, expect, it } from 'vitest';
import { gtScaleFor, SHARED_STEREO_SCENES } from './datasets';

describe('gtScaleFor', () => {
  it('gives the scale of every shared scene from its folder and GT file name', () => {
    for (const scene of SHARED_STEREO_SCENES) {
      const gtFile = scene.gtScale === 256 || scene.gtScale === 4 ? 'disp_left.png' : 'disp_left.pgm';
      expect(gtScaleFor(scene.name, gtFile), scene.name).toBe(scene.gtScale);
    }
  });

  it('recognises KITTI by names, Middlebury scenes case-insensitively, PFM as 1', () => {
    expect(gtScaleFor('my_drive', 'disp_occ_0/000123_10.png')).toBe(256);
    expect(gtScaleFor('frame', '000007_10.png')).toBe(256);
    expect(gtScaleFor('x', 'disp_noc/000001_10.png')).toBe(256);
    expect(gtScaleFor('KITTI_raw', 'gt.png')).toBe(256);
    expect(gtScaleFor('Tsukuba', 'truedisp.row3.col3.pgm')).toBe(16);
    expect(gtScaleFor('x', 'venus_disp2.pgm')).toBe(8);
    expect(gtScaleFor('Teddy', 'disp2.png')).toBe(4);
    expect(gtScaleFor('cones', 'disp2.pgm')).toBe(4);
    expect(gtScaleFor('kitti2015_000000', 'disp_left.pfm')).toBe(1);
  });

  it('returns undefined for unknown scenes', () => {
    expect(gtScaleFor('my_photo', 'disp_left.png')).toBeUndefined();
    expect(gtScaleFor('art', 'disp1.png')).toBeUndefined();
    expect(gtScaleFor('x', '12345_10.png')).toBeUndefined();
  });
});
