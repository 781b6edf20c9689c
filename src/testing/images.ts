/** Helpers shared by the src/data tests (not part of the library). */
import { encode as encodePng } from 'fast-png';

/** Deterministic bytes (xorshift32) so failing tests reproduce. */
export function seededBytes(n: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** Packs one-sample-per-byte values into PNG rows of `depth` bits (rows padded to whole bytes). */
export function packBits(values: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const rowBytes = Math.ceil((width * depth) / 8);
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * rowBytes + (bit >> 3)] |= values[y * width + x] << (8 - depth - (bit & 7));
    }
  }
  return out;
}

/** A gray PNG of the given depth from one value per pixel. */
export function grayPng(values: ArrayLike<number>, width: number, height: number, depth: 1 | 2 | 4 | 8 | 16): Uint8Array {
  const data = depth === 16 ? Uint16Array.from(values) : depth === 8 ? Uint8Array.from(values) : packBits(values, width, height, depth);
  return encodePng({ width, height, data, channels: 1, depth });
}

/** A colour PNG (3 channels, 8 bit) of a constant colour. */
export function solidRgbPng(width: number, height: number, rgb: [number, number, number] = [10, 20, 30]): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, 3 * i);
  return encodePng({ width, height, data, channels: 3, depth: 8 });
}
