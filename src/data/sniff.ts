/** Tells file formats apart by their first bytes (magic numbers), never by the file name. */

export type FileFormat = 'png' | 'jpeg' | 'pgm' | 'ppm' | 'pfm';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isSpace(byte: number | undefined): boolean {
  // Netpbm / PFM header whitespace: space, tab, CR, LF, VT, FF.
  return byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);
}

/** The format of `bytes`, or undefined if it is none the readers know. */
export function sniffFormat(bytes: Uint8Array): FileFormat | undefined {
  if (bytes.length >= 8 && PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 3 && bytes[0] === 0x50 /* P */ && isSpace(bytes[2])) {
    if (bytes[1] === 0x35 /* 5 */) return 'pgm';
    if (bytes[1] === 0x36 /* 6 */) return 'ppm';
    if (bytes[1] === 0x46 /* F */ || bytes[1] === 0x66 /* f */) return 'pfm';
  }
  return undefined;
}
