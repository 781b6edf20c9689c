/**
 * Test helper (not part of the library): PNG files built chunk by chunk, with valid CRCs, so a test
 * can give a file whose header declares a size its data does not hold (a tiny file claiming
 * 30000x30000), as a damaged or hostile file would. Pure: runs in Node and in Playwright's runner.
 */
import { zlibSync } from 'fflate';
import { concatBytes } from '../util/bytes';

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309), the checksum of PNG chunks. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * An 8-bit RGB PNG whose IHDR declares `width` x `height` but whose IDAT holds only `rows` rows of
 * grey (default: none), then IEND: a complete file by its chunks, a few hundred bytes long.
 */
export function pngDeclaring(width: number, height: number, rows = 0): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // depth 8, colour type 2 (RGB), deflate, adaptive filter, no interlace
  const raw = new Uint8Array(rows * (1 + 3 * width)).fill(128);
  for (let y = 0; y < rows; y++) raw[y * (1 + 3 * width)] = 0; // filter type 0 per row
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk('IHDR', ihdr), chunk('IDAT', zlibSync(raw)), chunk('IEND', new Uint8Array(0))];
  return concatBytes(parts);
}
