/** PFM (Portable Float Map): 'Pf' gray or 'PF' RGB float32, rows stored bottom-to-top, endianness from the scale sign. */
import { DataError, HINT_REEXPORT } from './errors';

export interface PfmImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** HWC float32, rows top-to-bottom (already flipped), values exactly as stored (inf/NaN kept). */
  data: Float32Array;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** Decodes a PFM file. Values are returned as stored; callers decide what non-finite values mean. */
export function decodePfm(bytes: Uint8Array, name: string): PfmImage {
  const kind = bytes.length >= 2 && bytes[0] === 0x50 ? String.fromCharCode(bytes[1]) : '';
  if (kind !== 'f' && kind !== 'F') {
    throw new DataError(name, 'not a PFM file (wrong magic bytes)', 'Choose a PFM file starting with "Pf" or "PF"');
  }
  const channels = kind === 'f' ? 1 : 3;
  // Header: magic, width, height, scale as whitespace-separated tokens, then one whitespace byte.
  const tokens: string[] = [];
  let at = 2;
  while (tokens.length < 3) {
    while (at < bytes.length && isSpace(bytes[at])) at++;
    const start = at;
    while (at < bytes.length && !isSpace(bytes[at])) at++;
    if (at >= bytes.length) throw new DataError(name, 'truncated PFM header', HINT_REEXPORT);
    if (at - start > 32) throw new DataError(name, 'corrupt PFM header (token too long)', HINT_REEXPORT);
    tokens.push(String.fromCharCode(...bytes.subarray(start, at)));
  }
  at += 1;
  const width = Number(tokens[0]);
  const height = Number(tokens[1]);
  const scale = Number(tokens[2]);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || !Number.isFinite(scale) || scale === 0) {
    throw new DataError(name, `corrupt PFM header ("${tokens.join(' ')}")`, HINT_REEXPORT);
  }
  const littleEndian = scale < 0;
  const rowLen = width * channels;
  const count = rowLen * height;
  if (bytes.length - at < count * 4) {
    throw new DataError(name, `truncated PFM (${bytes.length - at} data bytes, ${count * 4} expected for ${width}x${height})`, HINT_REEXPORT);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, count * 4);
  const data = new Float32Array(count);
  for (let fileRow = 0; fileRow < height; fileRow++) {
    const outRow = height - 1 - fileRow; // first stored row is the bottom one
    for (let i = 0; i < rowLen; i++) {
      data[outRow * rowLen + i] = view.getFloat32((fileRow * rowLen + i) * 4, littleEndian);
    }
  }
  return { width, height, channels, data };
}

/** Encodes a PFM (little-endian unless told otherwise), writing rows bottom-to-top as the format requires. */
export function encodePfm(img: PfmImage, opts: { littleEndian?: boolean } = {}): Uint8Array {
  const littleEndian = opts.littleEndian ?? true;
  const rowLen = img.width * img.channels;
  if (img.data.length !== rowLen * img.height) throw new RangeError('encodePfm: data length does not match the size');
  const header = new TextEncoder().encode(
    `${img.channels === 1 ? 'Pf' : 'PF'}\n${img.width} ${img.height}\n${littleEndian ? '-1.0' : '1.0'}\n`,
  );
  const out = new Uint8Array(header.length + img.data.length * 4);
  out.set(header);
  const view = new DataView(out.buffer, header.length);
  for (let fileRow = 0; fileRow < img.height; fileRow++) {
    const srcRow = img.height - 1 - fileRow;
    for (let i = 0; i < rowLen; i++) {
      view.setFloat32((fileRow * rowLen + i) * 4, img.data[srcRow * rowLen + i], littleEndian);
    }
  }
  return out;
}
