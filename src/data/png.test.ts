import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { samplesDir, sharedMissing, sharedStereoDir } from '../testing/shared';
import { DataError } from './errors';
import { decodePngRaw } from './png';
import { grayPng, packBits, seededBytes, solidRgbPng } from '../testing/images';

describe('decodePngRaw', () => {
  it('keeps 16-bit gray samples as uint16 values', () => {
    const values = [0, 1, 255, 256, 4660, 65535];
    const raw = decodePngRaw(grayPng(values, 3, 2, 16), 'g16.png');
    expect(raw).toMatchObject({ width: 3, height: 2, channels: 1, bitDepth: 16 });
    expect(raw.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(raw.data)).toEqual(values);
  });

  it('unpacks 1/2/4-bit gray with rows padded to bytes (odd width)', () => {
    for (const depth of [1, 2, 4] as const) {
      const max = (1 << depth) - 1;
      const values = Array.from({ length: 5 * 3 }, (_, i) => (i * 7) % (max + 1));
      const raw = decodePngRaw(grayPng(values, 5, 3, depth), `g${depth}.png`);
      expect(raw.bitDepth).toBe(depth);
      expect(Array.from(raw.data)).toEqual(values);
    }
  });

  it('returns palette indices plus the palette for 2-bit palette images', () => {
    const indices = [0, 1, 2, 2, 1, 0, 2, 0, 1, 1, 2, 0, 0, 0, 2];
    const palette = [[0, 0, 0], [128, 128, 128], [255, 255, 255]];
    const bytes = encodePng({ width: 5, height: 3, channels: 1, depth: 2, palette, data: packBits(indices, 5, 3, 2) });
    const raw = decodePngRaw(bytes, 'pal.png');
    expect(raw.channels).toBe(1);
    expect(raw.palette).toEqual(palette);
    expect(Array.from(raw.data)).toEqual(indices);
  });

  it('reads the teddy non-occlusion mask as palette indices (1-bit {0,1})', () => {
    const occl = decodePngRaw(readFileSync(join(samplesDir, 'teddy/mask_nonocc.png')), 'mask_nonocc.png');
    expect(occl).toMatchObject({ width: 450, height: 375, bitDepth: 1 });
    expect(occl.palette).toEqual([[0, 0, 0], [255, 255, 255]]);
    expect(new Set(occl.data)).toEqual(new Set([0, 1]));
  });

  // mask_occ_and_discont.png is in the shared folder only (public/samples does not ship it).
  it.skipIf(sharedMissing('data/stereo/teddy/mask_occ_and_discont.png', 'the 2-bit teddy mask check'))('reads the shared teddy occ_and_discont mask as palette indices (2-bit {0,1,2})', () => {
    const disc = decodePngRaw(readFileSync(join(sharedStereoDir, 'teddy/mask_occ_and_discont.png')), 'mask_occ_and_discont.png');
    expect(disc).toMatchObject({ width: 450, height: 375, bitDepth: 2 });
    expect(new Set(disc.data)).toEqual(new Set([0, 1, 2]));
  });

  it('rejects non-PNG bytes, truncated files and interlaced sub-byte images', () => {
    expect(() => decodePngRaw(seededBytes(100), 'r.bin')).toThrow(/not a PNG/);
    const png = solidRgbPng(40, 30);
    for (const cut of [20, 40, png.length >> 1, png.length - 12, png.length - 1]) {
      const run = () => decodePngRaw(png.subarray(0, cut), 'cut.png');
      expect(run).toThrow(DataError);
      expect(run).toThrow(/truncated or corrupt/);
    }
    const interlaced = encodePng({ width: 9, height: 9, channels: 1, depth: 1, data: packBits(new Uint8Array(81), 9, 9, 1) }, { interlace: 'Adam7' });
    expect(() => decodePngRaw(interlaced, 'i.png')).toThrow(/unsupported format: interlaced/);
  });

  it('rejects a PNG whose compressed data is damaged', () => {
    const png = solidRgbPng(64, 64).slice();
    // Flip bytes inside the first IDAT payload (after signature 8 + IHDR 25 + IDAT header 8).
    for (let i = 45; i < 60; i++) png[i] ^= 0x5a;
    expect(() => decodePngRaw(png, 'bad.png')).toThrow(DataError);
  });
});
