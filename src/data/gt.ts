/** Ground truth: disparity maps (PNG / PGM with a scale, PFM as floats) and occlusion masks. */
import { DataError } from './errors';
import type { DispMap } from './image';
import { decodePfm } from './pfm';
import { decodePgm } from './pgm';
import { decodePngRaw } from './png';
import { sniffFormat } from './sniff';

const HINT_SCALE =
  'Give the scale s with disparity = value / s (KITTI 256, Middlebury 2001 tsukuba 16 / venus 8, Middlebury 2003 quarter size 4)';
const HINT_GT_FORMAT = 'Give the disparity as a single-channel 8/16-bit PNG, a binary PGM or a gray PFM';

/** Mask samples as stored: gray values, or palette indices when `palette` is present. */
export interface MaskRaw {
  width: number;
  height: number;
  data: Uint8Array | Uint16Array;
  palette?: number[][];
}

function checkScale(name: string, scale: number | undefined): number {
  if (scale === undefined) throw new DataError(name, 'unknown GT scale', HINT_SCALE);
  if (!Number.isFinite(scale) || scale <= 0) throw new DataError(name, `invalid GT scale ${scale}`, HINT_SCALE);
  return scale;
}

function scaled(values: ArrayLike<number>, scale: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] / scale;
  return out;
}

/**
 * Decodes a left-view disparity map to pixels, 0 = no GT.
 * PNG / PGM: d = value / scale, and a missing scale is an error. PFM: d = value / (scale ?? 1); inf / NaN become 0.
 */
export function decodeDisparity(bytes: Uint8Array, name: string, scale?: number): DispMap {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'png': {
      const png = decodePngRaw(bytes, name);
      if (png.channels !== 1 || png.palette) {
        const kind = png.palette ? 'palette' : `${png.channels}-channel`;
        throw new DataError(name, `unsupported format: ${kind} PNG as disparity`, HINT_GT_FORMAT);
      }
      const s = checkScale(name, scale);
      return { width: png.width, height: png.height, data: scaled(png.data, s) };
    }
    case 'pgm': {
      const pgm = decodePgm(bytes, name);
      const s = checkScale(name, scale);
      return { width: pgm.width, height: pgm.height, data: scaled(pgm.data, s) };
    }
    case 'pfm': {
      const pfm = decodePfm(bytes, name);
      if (pfm.channels !== 1) throw new DataError(name, 'unsupported format: colour PFM (PF) as disparity', HINT_GT_FORMAT);
      const s = scale === undefined ? 1 : checkScale(name, scale);
      const data = scaled(pfm.data, s);
      for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) data[i] = 0;
      return { width: pfm.width, height: pfm.height, data };
    }
    case 'jpeg':
    case 'ppm':
      throw new DataError(name, `unsupported format: ${format.toUpperCase()} as disparity`, HINT_GT_FORMAT);
    case undefined:
      throw new DataError(name, 'not an image (unknown magic bytes)', HINT_GT_FORMAT);
  }
}

/**
 * Decodes a mask (PNG or PGM) to its stored values: gray levels, or palette indices for palette PNGs
 * (Middlebury 2003 occl.png: 0 black / 1 white; occ_and_discont.png: 0 black / 1 gray / 2 white).
 * Multi-channel PNGs keep their first channel.
 */
export function decodeMaskRaw(bytes: Uint8Array, name: string): MaskRaw {
  const format = sniffFormat(bytes);
  if (format === 'pgm') {
    const pgm = decodePgm(bytes, name);
    return { width: pgm.width, height: pgm.height, data: pgm.data };
  }
  if (format !== 'png') {
    const problem = format === undefined ? 'not an image (unknown magic bytes)' : `unsupported format: ${format.toUpperCase()} as mask`;
    throw new DataError(name, problem, 'Give the mask as a PNG or binary PGM');
  }
  const png = decodePngRaw(bytes, name);
  const { width, height, channels, palette } = png;
  if (palette) return { width, height, data: png.data, palette };
  if (channels === 1) return { width, height, data: png.data };
  const data = png.data instanceof Uint16Array ? new Uint16Array(width * height) : new Uint8Array(width * height);
  for (let i = 0; i < width * height; i++) data[i] = png.data[i * channels];
  return { width, height, data };
}

/**
 * 1 where the mask marks a pixel seen by both views with GT, else 0: a palette colour that is not black, or a
 * gray value > 0 other than mid-gray. Mid-gray (128, or 32896 in a 16-bit mask) is an occluded pixel: Middlebury
 * 2014's mask0nocc.png marks 255 non-occluded, 128 occluded, 0 no GT. Binary masks (0 / 255, 0 / 1) never hold
 * 128. Palette masks go by colour (Middlebury 2003 occl.png: black / white). Tested in gt.test.ts.
 */
export function maskToBinary(raw: MaskRaw): Uint8Array {
  const out = new Uint8Array(raw.width * raw.height);
  const palette = raw.palette;
  if (palette) {
    const lit = palette.map((c) => (c[0] > 0 || c[1] > 0 || c[2] > 0 ? 1 : 0));
    for (let i = 0; i < out.length; i++) out[i] = lit[raw.data[i]];
  } else {
    const occluded = raw.data instanceof Uint16Array ? 128 * 257 : 128;
    for (let i = 0; i < out.length; i++) out[i] = raw.data[i] > 0 && raw.data[i] !== occluded ? 1 : 0;
  }
  return out;
}

/** Decodes a mask to 0/1 per pixel (1 = true, e.g. non-occluded with GT), row-major, width * height values. */
export function decodeMask(bytes: Uint8Array, name: string): Uint8Array {
  return maskToBinary(decodeMaskRaw(bytes, name));
}
