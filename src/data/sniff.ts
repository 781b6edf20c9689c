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

/** An image's size as its header declares it, read without decoding any pixel. */
export interface HeaderSize {
  format: FileFormat | 'webp' | 'gif' | 'bmp';
  width: number;
  height: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u24le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
const i32le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

/** Width and height tokens of a Netpbm / PFM header ("P5 640 480 255", '#' comments allowed). */
function pnmSize(b: Uint8Array): [number, number] | undefined {
  const tokens: number[] = [];
  let i = 2;
  while (tokens.length < 2 && i < b.length) {
    if (isSpace(b[i])) i++;
    else if (b[i] === 0x23 /* # */) while (i < b.length && b[i] !== 0x0a && b[i] !== 0x0d) i++;
    else {
      const start = i;
      while (i < b.length && b[i] >= 0x30 && b[i] <= 0x39) i++;
      if (i === start || i === b.length || !(isSpace(b[i]) || b[i] === 0x23)) return undefined; // not a number, or cut off
      tokens.push(Number(ascii(b, start, i)));
    }
  }
  return tokens.length === 2 ? [tokens[0], tokens[1]] : undefined;
}

/**
 * JPEG size from the first start-of-frame segment (SOF0-15, not DHT C4, JPG C8 or DAC CC), walking
 * the segments from the start; undefined if `b` ends before it (EXIF thumbnails and ICC profiles come
 * first, so it can lie tens of kilobytes in) or the scan starts without one.
 */
function jpegSize(b: Uint8Array): [number, number] | undefined {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return [u16be(b, i + 7), u16be(b, i + 5)];
    if (marker === 0xda || marker === 0xd9) return undefined;
    i += 2 + u16be(b, i + 2);
  }
  return undefined;
}

function webpSize(b: Uint8Array): [number, number] | undefined {
  if (b.length < 30) return undefined;
  const chunk = ascii(b, 12, 16);
  if (chunk === 'VP8X') return [u24le(b, 24) + 1, u24le(b, 27) + 1];
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
  }
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) return [u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff];
  return undefined;
}

/**
 * The width and height an image file declares in its header (PNG IHDR, JPEG SOF, PGM / PPM / PFM
 * header, WebP, GIF and BMP headers), or undefined when `bytes` (the start of the file) does not
 * hold them or the format is none of these (AVIF, say). The pixel limits are checked on this before
 * anything is decoded, so an image too large to decode is refused at once rather than by an
 * allocation failure; a header that lies is still caught by the decoder's own checks.
 */
export function readImageSize(bytes: Uint8Array): HeaderSize | undefined {
  const found = declaredSize(bytes);
  if (!found?.[1]) return undefined;
  const [format, [width, height]] = found as [HeaderSize['format'], [number, number]];
  return width > 0 && height > 0 ? { format, width, height } : undefined;
}

function declaredSize(b: Uint8Array): [HeaderSize['format'], [number, number] | undefined] | undefined {
  const format = sniffFormat(b);
  if (format === 'png') return ['png', b.length >= 24 && ascii(b, 12, 16) === 'IHDR' ? [u32be(b, 16), u32be(b, 20)] : undefined];
  if (format === 'jpeg') return ['jpeg', jpegSize(b)];
  if (format !== undefined) return [format, pnmSize(b)];
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return ['webp', webpSize(b)];
  if (b.length >= 10 && /^GIF8[79]a$/.test(ascii(b, 0, 6))) return ['gif', [u16le(b, 6), u16le(b, 8)]];
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) {
    const core = i32le(b, 14) === 12; // BITMAPCOREHEADER: 16-bit sizes
    return ['bmp', core ? [u16le(b, 18), u16le(b, 20)] : [Math.abs(i32le(b, 18)), Math.abs(i32le(b, 22))]];
  }
  return undefined;
}
