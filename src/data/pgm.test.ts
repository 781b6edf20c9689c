import { describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { decodePgm, decodePnmRaw, encodePgm } from './pgm';

const ascii = (s: string) => Array.from(new TextEncoder().encode(s));

describe('PGM (P5)', () => {
  it('reads a hand-made 8-bit P5 with comments in the header', () => {
    const bytes = Uint8Array.from([...ascii('P5\n# made by hand\n3 # width\n2\n255\n'), 0, 1, 2, 253, 254, 255]);
    const pgm = decodePgm(bytes, 'h.pgm');
    expect(pgm).toMatchObject({ width: 3, height: 2, channels: 1, maxval: 255 });
    expect(pgm.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(pgm.data)).toEqual([0, 1, 2, 253, 254, 255]);
  });

  it('reads a hand-made 16-bit P5 as big-endian', () => {
    const bytes = Uint8Array.from([...ascii('P5 2 1 65535\n'), 0x12, 0x34, 0xff, 0x01]);
    const pgm = decodePgm(bytes, 'h16.pgm');
    expect(pgm.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(pgm.data)).toEqual([0x1234, 0xff01]);
  });

  it('keeps a data byte that looks like whitespace right after the header', () => {
    const bytes = Uint8Array.from([...ascii('P5\n2 1\n255\n'), 0x0a, 0x20]);
    expect(Array.from(decodePgm(bytes, 'ws.pgm').data)).toEqual([10, 32]);
  });

  it('round-trips 8-bit and 16-bit through encodePgm', () => {
    const d8 = Uint8Array.from({ length: 35 }, (_, i) => (i * 37) & 0xff);
    const back8 = decodePgm(encodePgm({ width: 7, height: 5, data: d8 }), 'r8.pgm');
    expect(back8).toMatchObject({ width: 7, height: 5, maxval: 255 });
    expect(Array.from(back8.data)).toEqual(Array.from(d8));

    const d16 = Uint16Array.from({ length: 35 }, (_, i) => (i * 1877) & 0xffff);
    const back16 = decodePgm(encodePgm({ width: 5, height: 7, data: d16 }), 'r16.pgm');
    expect(back16).toMatchObject({ width: 5, height: 7, maxval: 65535 });
    expect(Array.from(back16.data)).toEqual(Array.from(d16));

    const d1k = Uint16Array.of(0, 1000, 1023, 7);
    const back1k = decodePgm(encodePgm({ width: 2, height: 2, data: d1k }, 1023), 'r1k.pgm');
    expect(back1k.maxval).toBe(1023);
    expect(Array.from(back1k.data)).toEqual([0, 1000, 1023, 7]);
  });

  it('rejects non-P5 and truncated files with DataError', () => {
    expect(() => decodePgm(Uint8Array.from(ascii('P2\n1 1\n255\n0\n')), 'a.pgm')).toThrow(/unsupported format: P2 \(ASCII/);
    expect(() => decodePgm(Uint8Array.from([...ascii('P6\n1 1\n255\n'), 1, 2, 3]), 'c.ppm')).toThrow(/colour PPM/);
    expect(() => decodePgm(Uint8Array.from(ascii('GIF89a')), 'x.gif')).toThrow(/not a PGM/);
    expect(() => decodePgm(Uint8Array.from([...ascii('P5\n4 4\n255\n'), 1, 2, 3]), 't.pgm')).toThrow(/truncated PGM/);
    expect(() => decodePgm(Uint8Array.from([...ascii('P5\n4 4\n65535\n'), ...new Array(16).fill(0)]), 't16.pgm')).toThrow(
      /truncated PGM/,
    );
    expect(() => decodePgm(Uint8Array.from(ascii('P5\n4 ')), 'h.pgm')).toThrow(/truncated PGM\/PPM header/);
    expect(() => decodePgm(Uint8Array.from(ascii('P5\n4 x 255\n')), 'h.pgm')).toThrow(DataError);
  });

  it('reads P6 through decodePnmRaw', () => {
    const ppm = decodePnmRaw(Uint8Array.from([...ascii('P6\n2 1\n255\n'), 1, 2, 3, 4, 5, 6]), 'a.ppm');
    expect(ppm.channels).toBe(3);
    expect(Array.from(ppm.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
