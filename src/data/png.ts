/** PNG to raw samples (fast-png), keeping the stored bit depth: 16-bit stays 16-bit, palettes stay indices. */
import { decode } from 'fast-png';
import { DataError, HINT_REEXPORT } from './errors';

export interface PngRaw {
  width: number;
  height: number;
  /** 1 gray or palette index, 2 gray+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  /** Bits per sample as stored: 1, 2, 4, 8 or 16. */
  bitDepth: number;
  /** HWC samples, one element per sample (sub-byte depths unpacked, not rescaled). */
  data: Uint8Array | Uint16Array;
  /** Present for palette images: data holds indices into it; entries are [r, g, b] or [r, g, b, a] (0..255). */
  palette?: number[][];
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/**
 * Reads IHDR and walks the chunk list up to IEND without inflating anything, so a cut file is reported
 * as truncated (fast-png would otherwise fill the missing rows with zeros in some cases).
 */
function readPngHeader(bytes: Uint8Array, name: string): PngHeader {
  if (bytes.length < 8 || !PNG_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new DataError(name, 'not a PNG file (wrong magic bytes)', 'Choose a PNG image');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || chunkType(bytes, 12) !== 'IHDR') {
    throw new DataError(name, 'truncated or corrupt PNG (no IHDR header)', HINT_REEXPORT);
  }
  const header: PngHeader = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    colorType: bytes[25],
    interlace: bytes[28],
  };
  let at = 8;
  for (;;) {
    if (at + 12 > bytes.length) {
      throw new DataError(name, 'truncated or corrupt PNG (file ends before the IEND chunk)', HINT_REEXPORT);
    }
    const length = view.getUint32(at);
    const type = chunkType(bytes, at + 4);
    if (at + 12 + length > bytes.length) {
      throw new DataError(name, `truncated or corrupt PNG (chunk ${type} runs past the end of the file)`, HINT_REEXPORT);
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  if (header.width === 0 || header.height === 0) {
    throw new DataError(name, `corrupt PNG (size ${header.width}x${header.height})`, HINT_REEXPORT);
  }
  return header;
}

/** Spreads packed 1/2/4-bit samples (rows padded to whole bytes) to one byte per sample. */
function unpackSubByte(packed: ArrayLike<number>, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * rowBytes;
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const shift = 8 - depth - (bit & 7);
      out[y * width + x] = (packed[row + (bit >> 3)] >> shift) & mask;
    }
  }
  return out;
}

/** Decodes a PNG to raw samples. Throws DataError on anything that is not a complete, supported PNG. */
export function decodePngRaw(bytes: Uint8Array, name: string): PngRaw {
  const header = readPngHeader(bytes, name);
  if (header.bitDepth < 8 && header.interlace !== 0) {
    // fast-png 8 de-interlaces Adam7 images as if every sample were a whole byte, which is wrong below 8 bits.
    throw new DataError(
      name,
      `unsupported format: interlaced PNG with ${header.bitDepth}-bit samples`,
      'Save it again without interlacing, or with 8-bit samples',
    );
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new DataError(name, `truncated or corrupt PNG (${why})`, HINT_REEXPORT);
  }
  const { width, height, channels, depth } = png;
  const expected = depth < 8 ? Math.ceil((width * depth) / 8) * height * channels : width * height * channels;
  if (png.data.length !== expected) {
    throw new DataError(
      name,
      `truncated or corrupt PNG (${png.data.length} samples decoded, ${expected} expected)`,
      HINT_REEXPORT,
    );
  }
  // Truecolour PNGs may carry a suggested PLTE too; only colour type 3 stores indices.
  const palette = header.colorType === 3 ? png.palette : undefined;
  if (header.colorType === 3 && !palette) {
    throw new DataError(name, 'corrupt PNG (palette image without a PLTE chunk)', HINT_REEXPORT);
  }
  let data: Uint8Array | Uint16Array;
  if (depth < 8) data = unpackSubByte(png.data, width, height, depth);
  else if (png.data instanceof Uint16Array) data = png.data;
  else data = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  if (palette) {
    const last = palette.length - 1;
    for (let i = 0; i < data.length; i++) {
      if (data[i] > last) {
        throw new DataError(name, `corrupt PNG (palette index ${data[i]} but only ${palette.length} colours)`, HINT_REEXPORT);
      }
    }
  }
  return palette ? { width, height, channels, bitDepth: depth, data, palette } : { width, height, channels, bitDepth: depth, data };
}
