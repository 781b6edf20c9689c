import { describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { decodePfm, encodePfm } from './pfm';

const ascii = (s: string) => Array.from(new TextEncoder().encode(s));

/** A hand-made 2x2 'Pf' file; rows written bottom first. */
function handMadePf(littleEndian: boolean): Uint8Array {
  const header = ascii(`Pf\n2 2\n${littleEndian ? '-1.0' : '1.0'}\n`);
  const body = new Uint8Array(16);
  const view = new DataView(body.buffer);
  // Bottom row (y = 1) first: 3, 4; then top row (y = 0): 1, 2.
  [3, 4, 1, 2].forEach((v, i) => view.setFloat32(4 * i, v, littleEndian));
  return Uint8Array.from([...header, ...body]);
}

describe('PFM', () => {
  it('flips bottom-to-top rows and honours the endianness of the scale sign', () => {
    for (const le of [true, false]) {
      const pfm = decodePfm(handMadePf(le), 'h.pfm');
      expect(pfm).toMatchObject({ width: 2, height: 2, channels: 1 });
      expect(Array.from(pfm.data)).toEqual([1, 2, 3, 4]);
    }
  });

  it('round-trips gray and colour, both endiannesses, keeping inf/NaN', () => {
    const gray = { width: 3, height: 2, channels: 1 as const, data: Float32Array.of(0.5, -2, Infinity, 7.25, NaN, 1e6) };
    for (const littleEndian of [true, false]) {
      const back = decodePfm(encodePfm(gray, { littleEndian }), 'g.pfm');
      expect(back.width).toBe(3);
      expect(Array.from(back.data)).toEqual(Array.from(gray.data));
    }
    const rgb = { width: 2, height: 3, channels: 3 as const, data: Float32Array.from({ length: 18 }, (_, i) => i * 0.25) };
    const back = decodePfm(encodePfm(rgb), 'c.pfm');
    expect(back.channels).toBe(3);
    expect(Array.from(back.data)).toEqual(Array.from(rgb.data));
  });

  it('writes the bottom row first', () => {
    const bytes = encodePfm({ width: 1, height: 2, channels: 1, data: Float32Array.of(10, 20) });
    const view = new DataView(bytes.buffer, bytes.length - 8);
    expect(view.getFloat32(0, true)).toBe(20);
    expect(view.getFloat32(4, true)).toBe(10);
  });

  it('rejects wrong magic, bad header and truncated data', () => {
    expect(() => decodePfm(Uint8Array.from(ascii('P5\n1 1\n255\n\0')), 'a.pfm')).toThrow(/not a PFM/);
    expect(() => decodePfm(Uint8Array.from(ascii('Pf\n2 x\n-1\n')), 'b.pfm')).toThrow(/corrupt PFM header/);
    expect(() => decodePfm(Uint8Array.from(ascii('Pf\n2 2\n0\n')), 'z.pfm')).toThrow(/corrupt PFM header/);
    expect(() => decodePfm(Uint8Array.from(ascii('Pf\n2 2')), 'c.pfm')).toThrow(/truncated PFM header/);
    const cut = handMadePf(true).subarray(0, 20);
    const run = () => decodePfm(cut, 'd.pfm');
    expect(run).toThrow(DataError);
    expect(run).toThrow(/truncated PFM/);
  });
});
