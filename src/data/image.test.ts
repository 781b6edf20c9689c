import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { decodeImage } from './image';
import { encodePfm } from './pfm';
import { encodePgm } from './pgm';
import { grayPng, packBits, seededBytes, solidRgbPng } from '../testing/images';

const px = (data: Float32Array, i: number) => Array.from(data.subarray(3 * i, 3 * i + 3));

describe('decodeImage', () => {
  it('decodes 8-bit RGB PNG to [0,1] HWC', () => {
    const img = decodeImage(solidRgbPng(4, 3, [0, 51, 255]), 'rgb.png');
    expect(img.width).toBe(4);
    expect(img.height).toBe(3);
    expect(img.data.length).toBe(4 * 3 * 3);
    expect(px(img.data, 11)).toEqual([0, 0.2, 1].map(Math.fround));
  });

  it('decodes RGBA (drops alpha), gray+alpha and gray 16-bit', () => {
    const rgba = encodePng({ width: 1, height: 2, channels: 4, depth: 8, data: Uint8Array.of(255, 0, 0, 10, 0, 0, 255, 200) });
    const a = decodeImage(rgba, 'rgba.png');
    expect(px(a.data, 0)).toEqual([1, 0, 0]);
    expect(px(a.data, 1)).toEqual([0, 0, 1]);

    const ga = encodePng({ width: 2, height: 1, channels: 2, depth: 8, data: Uint8Array.of(255, 0, 0, 255) });
    const g = decodeImage(ga, 'ga.png');
    expect(Array.from(g.data)).toEqual([1, 1, 1, 0, 0, 0]);

    const g16 = decodeImage(grayPng([65535, 0, 32768], 3, 1, 16), 'g16.png');
    expect(g16.data[0]).toBe(1);
    expect(g16.data[3]).toBe(0);
    expect(g16.data[6]).toBeCloseTo(32768 / 65535, 6);
    expect(g16.data[7]).toBe(g16.data[6]);
  });

  it('decodes 1-bit gray and palette PNG through their colours', () => {
    const bw = decodeImage(grayPng([0, 1, 1], 3, 1, 1), 'bw.png');
    expect(Array.from(bw.data)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1]);

    const palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [51, 51, 51]];
    const bytes = encodePng({ width: 3, height: 1, channels: 1, depth: 4, palette, data: packBits([2, 0, 3], 3, 1, 4) });
    const img = decodeImage(bytes, 'pal.png');
    expect(px(img.data, 0)).toEqual([0, 0, 1]);
    expect(px(img.data, 1)).toEqual([1, 0, 0]);
    expect(px(img.data, 2)).toEqual([0.2, 0.2, 0.2].map(Math.fround));
  });

  it('decodes a JPEG made by jpeg-js', () => {
    const w = 16;
    const h = 8;
    const rgba = new Uint8Array(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([200, 100, 50, 255], 4 * i);
    const jpeg = encodeJpeg({ width: w, height: h, data: rgba }, 95).data;
    const img = decodeImage(new Uint8Array(jpeg), 'x.jpg');
    expect([img.width, img.height]).toEqual([w, h]);
    const [r, g, b] = px(img.data, 40);
    expect(r).toBeCloseTo(200 / 255, 1);
    expect(g).toBeCloseTo(100 / 255, 1);
    expect(b).toBeCloseTo(50 / 255, 1);
  });

  it('decodes binary PGM and PPM', () => {
    const pgm = decodeImage(encodePgm({ width: 2, height: 1, data: Uint8Array.of(0, 255) }), 'a.pgm');
    expect(Array.from(pgm.data)).toEqual([0, 0, 0, 1, 1, 1]);
    const ppm = new Uint8Array([...new TextEncoder().encode('P6\n1 1\n255\n'), 255, 0, 51]);
    expect(Array.from(decodeImage(ppm, 'a.ppm').data)).toEqual([1, 0, 0.2].map(Math.fround));
  });

  it('throws DataError "not an image" for random bytes', () => {
    const run = () => decodeImage(seededBytes(1000), 'noise.png');
    expect(run).toThrow(DataError);
    expect(run).toThrow('noise.png: not an image');
  });

  it('throws DataError truncated/corrupt for a PNG or JPEG cut in half', () => {
    const png = solidRgbPng(32, 32);
    expect(() => decodeImage(png.subarray(0, png.length >> 1), 'half.png')).toThrow(/truncated or corrupt PNG/);
    const rgba = seededBytes(64 * 64 * 4, 7);
    const jpeg = new Uint8Array(encodeJpeg({ width: 64, height: 64, data: rgba }, 90).data);
    const run = () => decodeImage(jpeg.subarray(0, jpeg.length >> 1), 'half.jpg');
    expect(run).toThrow(DataError);
    expect(run).toThrow(/truncated, corrupt/);
  });

  it('refuses a PFM as a photo', () => {
    const pfm = encodePfm({ width: 1, height: 1, channels: 3, data: new Float32Array(3) });
    expect(() => decodeImage(pfm, 'a.pfm')).toThrow(/unsupported format/);
  });
});
