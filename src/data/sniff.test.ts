import { describe, expect, it } from 'vitest';
import { sniffFormat } from './sniff';
import { seededBytes, solidRgbPng } from './testUtil';

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
