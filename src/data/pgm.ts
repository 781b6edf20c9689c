/** Binary Netpbm: PGM (P5, gray) and PPM (P6, RGB), 8-bit or big-endian 16-bit samples. */
import { DataError, HINT_REEXPORT } from './errors';

export interface PnmRaw {
  width: number;
  height: number;
  /** 1 for P5 (gray), 3 for P6 (RGB). */
  channels: 1 | 3;
  /** Largest sample value stated in the header (1..65535); > 255 means 16-bit samples. */
  maxval: number;
  /** HWC samples as stored (not rescaled). */
  data: Uint8Array | Uint16Array;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}

/** Reads the next header number from `at`, skipping whitespace and '#' comments; returns [value, next offset]. */
function readHeaderNumber(bytes: Uint8Array, at: number, name: string, what: string): [number, number] {
  let i = at;
  for (;;) {
    if (i >= bytes.length) throw new DataError(name, `truncated PGM/PPM header (no ${what})`, HINT_REEXPORT);
    if (isSpace(bytes[i])) i++;
    else if (bytes[i] === 0x23 /* # */) {
      while (i < bytes.length && bytes[i] !== 0x0a && bytes[i] !== 0x0d) i++;
    } else break;
  }
  let value = 0;
  const start = i;
  while (i < bytes.length && bytes[i] >= 0x30 && bytes[i] <= 0x39) {
    value = value * 10 + (bytes[i] - 0x30);
    i++;
  }
  if (i === start) throw new DataError(name, `corrupt PGM/PPM header (${what} is not a number)`, HINT_REEXPORT);
  return [value, i];
}

/** Decodes a binary P5 or P6 file. */
export function decodePnmRaw(bytes: Uint8Array, name: string): PnmRaw {
  if (bytes.length < 2 || bytes[0] !== 0x50 /* P */) {
    throw new DataError(name, 'not a PGM/PPM file (wrong magic bytes)', 'Choose a binary PGM (P5) or PPM (P6) file');
  }
  const kind = String.fromCharCode(bytes[1]);
  if (kind !== '5' && kind !== '6') {
    const ascii = kind === '2' || kind === '3' ? ' (ASCII Netpbm)' : '';
    throw new DataError(name, `unsupported format: P${kind}${ascii}`, 'Save it as binary PGM (P5) or PPM (P6), or as PNG');
  }
  const channels = kind === '5' ? 1 : 3;
  let at = 2;
  let width: number, height: number, maxval: number;
  [width, at] = readHeaderNumber(bytes, at, name, 'width');
  [height, at] = readHeaderNumber(bytes, at, name, 'height');
  [maxval, at] = readHeaderNumber(bytes, at, name, 'maxval');
  if (at >= bytes.length || !isSpace(bytes[at])) {
    throw new DataError(name, 'truncated or corrupt PGM/PPM header (no whitespace after maxval)', HINT_REEXPORT);
  }
  at += 1; // exactly one whitespace byte separates the header from the raster
  if (width === 0 || height === 0 || maxval === 0 || maxval > 65535) {
    throw new DataError(name, `corrupt PGM/PPM header (size ${width}x${height}, maxval ${maxval})`, HINT_REEXPORT);
  }
  const count = width * height * channels;
  const bytesPerSample = maxval > 255 ? 2 : 1;
  if (bytes.length - at < count * bytesPerSample) {
    throw new DataError(
      name,
      `truncated PGM/PPM (${bytes.length - at} data bytes, ${count * bytesPerSample} expected for ${width}x${height})`,
      HINT_REEXPORT,
    );
  }
  let data: Uint8Array | Uint16Array;
  if (bytesPerSample === 1) {
    data = bytes.slice(at, at + count);
  } else {
    data = new Uint16Array(count);
    for (let i = 0; i < count; i++) data[i] = (bytes[at + 2 * i] << 8) | bytes[at + 2 * i + 1];
  }
  return { width, height, channels, maxval, data };
}

/** Decodes a binary gray PGM (P5) only. */
export function decodePgm(bytes: Uint8Array, name: string): PnmRaw {
  const pnm = decodePnmRaw(bytes, name);
  if (pnm.channels !== 1) {
    throw new DataError(name, 'unsupported format: colour PPM (P6) where a gray PGM (P5) is needed', 'Give a single-channel PGM or PNG');
  }
  return pnm;
}

/** Encodes gray samples as binary PGM (P5). maxval defaults to 255 for Uint8Array and 65535 for Uint16Array. */
export function encodePgm(img: { width: number; height: number; data: Uint8Array | Uint16Array }, maxval?: number): Uint8Array {
  const max = maxval ?? (img.data instanceof Uint16Array ? 65535 : 255);
  if (img.data.length !== img.width * img.height) throw new RangeError('encodePgm: data length is not width * height');
  const header = new TextEncoder().encode(`P5\n${img.width} ${img.height}\n${max}\n`);
  const bytesPerSample = max > 255 ? 2 : 1;
  const out = new Uint8Array(header.length + img.data.length * bytesPerSample);
  out.set(header);
  for (let i = 0; i < img.data.length; i++) {
    const v = img.data[i];
    if (bytesPerSample === 1) out[header.length + i] = v;
    else {
      out[header.length + 2 * i] = v >> 8;
      out[header.length + 2 * i + 1] = v & 0xff;
    }
  }
  return out;
}
