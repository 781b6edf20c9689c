import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { decodeDisparity, decodeMask, decodeMaskRaw } from './gt';
import { encodePfm } from './pfm';
import { encodePgm } from './pgm';
import { grayPng, packBits, seededBytes, solidRgbPng } from '../testing/images';

describe('decodeDisparity', () => {
  it('divides 16-bit PNG values by the scale (KITTI: 256), 0 stays invalid', () => {
    const gt = decodeDisparity(grayPng([0, 256, 1183, 65535], 2, 2, 16), 'kitti.png', 256);
    expect(gt.width).toBe(2);
    expect(gt.height).toBe(2);
    expect(Array.from(gt.data)).toEqual([0, 1, 1183 / 256, 65535 / 256].map(Math.fround));
  });

  it('divides 8-bit PNG and PGM values by the scale', () => {
    expect(Array.from(decodeDisparity(grayPng([0, 50, 211], 3, 1, 8), 't.png', 4).data)).toEqual([0, 12.5, 52.75]);
    const pgm = encodePgm({ width: 3, height: 1, data: Uint8Array.of(0, 80, 224) });
    expect(Array.from(decodeDisparity(pgm, 'ts.pgm', 16).data)).toEqual([0, 5, 14]);
    const pgm16 = encodePgm({ width: 2, height: 1, data: Uint16Array.of(512, 1000) });
    expect(Array.from(decodeDisparity(pgm16, 'p16.pgm', 256).data)).toEqual([2, 1000 / 256].map(Math.fround));
  });

  it('says "unknown GT scale" for PNG / PGM without a scale, and refuses a bad scale', () => {
    const run = () => decodeDisparity(grayPng([1, 2], 2, 1, 8), 'disp.png');
    expect(run).toThrow(DataError);
    expect(run).toThrow(/disp\.png: unknown GT scale\. Give the scale/);
    expect(() => decodeDisparity(encodePgm({ width: 1, height: 1, data: Uint8Array.of(1) }), 'd.pgm')).toThrow(/unknown GT scale/);
    expect(() => decodeDisparity(grayPng([1], 1, 1, 8), 'd.png', 0)).toThrow(/invalid GT scale/);
    expect(() => decodeDisparity(grayPng([1], 1, 1, 8), 'd.png', NaN)).toThrow(/invalid GT scale/);
  });

  it('reads PFM as is (scale 1) with inf / NaN turned into 0', () => {
    const pfm = encodePfm({ width: 2, height: 2, channels: 1, data: Float32Array.of(1.5, Infinity, NaN, 63.25) });
    const gt = decodeDisparity(pfm, 'disp0GT.pfm');
    expect(Array.from(gt.data)).toEqual([1.5, 0, 0, 63.25]);
    expect(Array.from(decodeDisparity(pfm, 'half.pfm', 2).data)).toEqual([0.75, 0, 0, 31.625]);
  });

  it('refuses colour, palette, JPEG and non-image GT', () => {
    expect(() => decodeDisparity(solidRgbPng(2, 2), 'rgb.png', 4)).toThrow(/unsupported format: 3-channel PNG/);
    const pal = encodePng({ width: 2, height: 1, channels: 1, depth: 8, palette: [[0, 0, 0], [9, 9, 9]], data: Uint8Array.of(0, 1) });
    expect(() => decodeDisparity(pal, 'pal.png', 4)).toThrow(/palette PNG/);
    const pf = encodePfm({ width: 1, height: 1, channels: 3, data: new Float32Array(3) });
    expect(() => decodeDisparity(pf, 'flow.pfm')).toThrow(/colour PFM/);
    expect(() => decodeDisparity(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0), 'd.jpg', 4)).toThrow(/unsupported format: JPEG/);
    expect(() => decodeDisparity(seededBytes(50), 'd.png', 4)).toThrow(/not an image/);
  });
});

describe('masks', () => {
  it('keeps palette indices raw and maps non-black palette colours to 1', () => {
    const indices = [0, 1, 2, 1, 0, 2];
    const palette = [[0, 0, 0], [128, 128, 128], [255, 255, 255]];
    const bytes = encodePng({ width: 3, height: 2, channels: 1, depth: 2, palette, data: packBits(indices, 3, 2, 2) });
    const raw = decodeMaskRaw(bytes, 'occ_and_discont.png');
    expect(Array.from(raw.data)).toEqual(indices);
    expect(raw.palette).toEqual(palette);
    expect(Array.from(decodeMask(bytes, 'occ_and_discont.png'))).toEqual([0, 1, 1, 1, 0, 1]);
  });

  it('uses the palette colour, not the index, for the binary mask', () => {
    // Index 0 is white here, so index > 0 would give the wrong answer.
    const bytes = encodePng({ width: 2, height: 1, channels: 1, depth: 1, palette: [[255, 255, 255], [0, 0, 0]], data: packBits([0, 1], 2, 1, 1) });
    expect(Array.from(decodeMask(bytes, 'inv.png'))).toEqual([1, 0]);
  });

  it('reads gray PNG / PGM masks (value > 0 = 1, but mid-gray = occluded) and the first channel of colour masks', () => {
    expect(Array.from(decodeMask(grayPng([0, 255, 128, 0], 2, 2, 8), 'm.png'))).toEqual([0, 1, 0, 0]);
    expect(Array.from(decodeMask(grayPng([1, 0, 1, 1], 2, 2, 8), 'binary01.png'))).toEqual([1, 0, 1, 1]);
    expect(Array.from(decodeMaskRaw(grayPng([0, 255, 128, 0], 2, 2, 8), 'm.png').data)).toEqual([0, 255, 128, 0]);
    expect(Array.from(decodeMask(encodePgm({ width: 2, height: 1, data: Uint8Array.of(255, 0) }), 'm.pgm'))).toEqual([1, 0]);
    const rgb = encodePng({ width: 2, height: 1, channels: 3, depth: 8, data: Uint8Array.of(255, 255, 255, 0, 0, 0) });
    expect(Array.from(decodeMask(rgb, 'rgb.png'))).toEqual([1, 0]);
    expect(() => decodeMask(seededBytes(40), 'm.png')).toThrow(/not an image/);
  });

  it('Middlebury 2014 mask0nocc.png: 255 non-occluded, 128 occluded, 0 no GT (8- and 16-bit)', () => {
    const values = [255, 128, 0, 255, 128, 128];
    expect(Array.from(decodeMask(grayPng(values, 3, 2, 8), 'mask0nocc.png'))).toEqual([1, 0, 0, 1, 0, 0]);
    expect(Array.from(decodeMask(grayPng(values.map((v) => v * 257), 3, 2, 16), 'mask0nocc.png'))).toEqual([1, 0, 0, 1, 0, 0]);
  });
});
