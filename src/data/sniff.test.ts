import { encode as encodeJpeg } from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './image';
import { readImageSize, sniffFormat } from './sniff';
import { pngDeclaring } from '../testing/png';
import { seededBytes, solidRgbPng } from '../testing/images';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('sniffFormat', () => {
  it('recognises each format by its magic bytes', () => {
    expect(sniffFormat(solidRgbPng(2, 2))).toBe('png');
    expect(sniffFormat(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0))).toBe('jpeg');
    expect(sniffFormat(ascii('P5\n1 1\n255\n\0'))).toBe('pgm');
    expect(sniffFormat(ascii('P6 1 1 255 \0\0\0'))).toBe('ppm');
    expect(sniffFormat(ascii('Pf\n1 1\n-1\n'))).toBe('pfm');
    expect(sniffFormat(ascii('PF\n1 1\n1\n'))).toBe('pfm');
  });
  it('returns undefined for anything else', () => {
    expect(sniffFormat(seededBytes(64))).toBeUndefined();
    expect(sniffFormat(new Uint8Array(0))).toBeUndefined();
    expect(sniffFormat(ascii('P2\n1 1\n255\n0'))).toBeUndefined();
    expect(sniffFormat(ascii('P5x'))).toBeUndefined();
    expect(sniffFormat(solidRgbPng(2, 2).subarray(0, 7))).toBeUndefined();
  });
});

describe('readImageSize: the size a header declares, without decoding', () => {
  const le = (n: number, bytes: number) => Array.from({ length: bytes }, (_, i) => (n >>> (8 * i)) & 0xff);

  it('PNG IHDR, including a crafted file that claims far more than it holds', () => {
    expect(readImageSize(solidRgbPng(7, 3))).toEqual({ format: 'png', width: 7, height: 3 });
    expect(readImageSize(pngDeclaring(30000, 30000))).toEqual({ format: 'png', width: 30000, height: 30000 });
    expect(readImageSize(pngDeclaring(30000, 30000).subarray(0, 20))).toBeUndefined(); // cut inside IHDR
  });

  it("pngDeclaring writes valid CRCs: its IHDR chunk is byte for byte an encoder's", () => {
    const ihdr = (b: Uint8Array) => Array.from(b.subarray(8, 8 + 25));
    expect(ihdr(pngDeclaring(5, 3, 3))).toEqual(ihdr(solidRgbPng(5, 3)));
    expect(decodeImage(pngDeclaring(5, 3, 3), 'x.png')).toMatchObject({ width: 5, height: 3 });
  });

  it('JPEG: the start-of-frame segment, after APP segments of any length', () => {
    const jpeg = new Uint8Array(encodeJpeg({ width: 9, height: 5, data: new Uint8Array(9 * 5 * 4) }, 90).data);
    expect(readImageSize(jpeg)).toEqual({ format: 'jpeg', width: 9, height: 5 });
    // an APP1 block of 60,000 bytes (EXIF with a thumbnail) pushes the frame header past 64 KiB's worth of small reads
    const app1 = new Uint8Array(4 + 60000);
    app1.set([0xff, 0xe1, (60002 >> 8) & 0xff, 60002 & 0xff]);
    const padded = new Uint8Array([...jpeg.subarray(0, 2), ...app1, ...app1, ...jpeg.subarray(2)]);
    expect(readImageSize(padded)).toEqual({ format: 'jpeg', width: 9, height: 5 });
    expect(readImageSize(padded.subarray(0, 64 * 1024))).toBeUndefined();
  });

  it('PGM, PPM (with a comment) and PFM headers', () => {
    expect(readImageSize(ascii('P5\n640 480\n255\n'))).toEqual({ format: 'pgm', width: 640, height: 480 });
    expect(readImageSize(ascii('P6\n# made by hand\n 31 7 255\n'))).toEqual({ format: 'ppm', width: 31, height: 7 });
    expect(readImageSize(ascii('Pf\n1242 375\n-1\n'))).toEqual({ format: 'pfm', width: 1242, height: 375 });
    expect(readImageSize(ascii('P5\n640'))).toBeUndefined(); // cut off
  });

  it('WebP (lossy, lossless, extended), GIF and BMP', () => {
    const riff = (chunk: string, payload: number[]) => Uint8Array.from([...ascii('RIFF'), 0, 0, 0, 0, ...ascii('WEBP'), ...ascii(chunk), 0, 0, 0, 0, ...payload, ...new Array(16).fill(0)]);
    expect(readImageSize(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, ...le(300, 2), ...le(200, 2)]))).toEqual({ format: 'webp', width: 300, height: 200 });
    const bits = (300 - 1) | ((200 - 1) << 14);
    expect(readImageSize(riff('VP8L', [0x2f, ...le(bits, 4)]))).toEqual({ format: 'webp', width: 300, height: 200 });
    expect(readImageSize(riff('VP8X', [0, 0, 0, 0, ...le(299, 3), ...le(199, 3)]))).toEqual({ format: 'webp', width: 300, height: 200 });
    expect(readImageSize(Uint8Array.from([...ascii('GIF89a'), ...le(300, 2), ...le(200, 2), 0, 0, 0]))).toEqual({ format: 'gif', width: 300, height: 200 });
    const bmp = Uint8Array.from([...ascii('BM'), ...new Array(12).fill(0), ...le(40, 4), ...le(300, 4), ...le(-200, 4), 0, 0]);
    expect(readImageSize(bmp)).toEqual({ format: 'bmp', width: 300, height: 200 });
  });

  it('undefined for anything else, and for a declared size of zero', () => {
    expect(readImageSize(seededBytes(64))).toBeUndefined();
    expect(readImageSize(pngDeclaring(0, 10))).toBeUndefined();
  });
});
