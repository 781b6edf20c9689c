import { describe, expect, it } from 'vitest';
import {
  COLORMAP_NAMES,
  COLORMAPS,
  ERROR_BANDS,
  INVALID_RGB,
  colorbar,
  colorize,
  colorizeError,
  errorBand,
  errorColor,
  percentileRange,
  type ColormapName,
} from './colormap';

const entry = (cmap: ColormapName, i: number): number[] =>
  Array.from(COLORMAPS[cmap].subarray(3 * i, 3 * i + 3));
const pixel = (rgba: Uint8ClampedArray, i: number): number[] =>
  Array.from(rgba.subarray(4 * i, 4 * i + 4));

/** CIE L* (0..100) of an sRGB byte triple: perceived lightness. */
function lightness(r: number, g: number, b: number): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const y = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return y > 216 / 24389 ? 116 * Math.cbrt(y) - 16 : (y * 24389) / 27;
}

describe('COLORMAPS', () => {
  it('holds 256 RGB entries per map', () => {
    expect(COLORMAP_NAMES).toHaveLength(4);
    for (const name of COLORMAP_NAMES) expect(COLORMAPS[name]).toHaveLength(256 * 3);
  });

  it.each([
    ['magma', [0, 0, 4], [252, 253, 191]],
    ['viridis', [68, 1, 84], [253, 231, 37]],
    ['turbo', [48, 18, 59], [122, 4, 3]],
    ['grey', [0, 0, 0], [255, 255, 255]],
  ] as const)('%s endpoints match the published table (within 3)', (name, first, last) => {
    entry(name, 0).forEach((v, c) => expect(Math.abs(v - first[c])).toBeLessThanOrEqual(3));
    entry(name, 255).forEach((v, c) => expect(Math.abs(v - last[c])).toBeLessThanOrEqual(3));
  });

  it('matches matplotlib at interior entries too', () => {
    // round(255 * _magma_data[128]) and round(255 * _viridis_data[128])
    expect(entry('magma', 128)).toEqual([183, 55, 121]);
    expect(entry('viridis', 128)).toEqual([33, 145, 140]);
  });

  it.each(['magma', 'viridis', 'grey'] as const)('%s rises in lightness', (name) => {
    const L = Array.from({ length: 256 }, (_, i) => {
      const [r, g, b] = entry(name, i);
      return lightness(r, g, b);
    });
    // strictly rising except byte-rounding wiggles of at most 1 L* unit
    for (let i = 1; i < 256; i++) expect(L[i]).toBeGreaterThan(L[i - 1] - 1);
    for (let i = 16; i < 256; i++) expect(L[i]).toBeGreaterThan(L[i - 16]);
    expect(L[255] - L[0]).toBeGreaterThan(70);
  });
});

describe('percentileRange', () => {
  it('ignores a few huge outliers and non-finite values', () => {
    const v = new Float32Array(1006);
    for (let i = 0; i < 1000; i++) v[i] = i;
    v.set([1e9, 2e9, 3e9, NaN, Infinity, -Infinity], 1000);
    const [lo, hi] = percentileRange(v, 1, 99);
    // 1003 finite values: ranks 10.02 and 991.98 (numpy's linear interpolation)
    expect(lo).toBeCloseTo(10.02, 6);
    expect(hi).toBeCloseTo(991.98, 6);
  });

  it('agrees with a sort-based reference on random data with ties', () => {
    let s = 7;
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const n of [1, 2, 3, 10, 257, 5000]) {
      const v = Float64Array.from({ length: n }, () => Math.floor(rand() * 50) - 10);
      const sorted = Float64Array.from(v).sort();
      const ref = (p: number): number => {
        const pos = (p / 100) * (n - 1);
        const k = Math.floor(pos);
        return k + 1 < n ? sorted[k] + (pos - k) * (sorted[k + 1] - sorted[k]) : sorted[k];
      };
      for (const [lo, hi] of [[0, 100], [1, 99], [5, 95], [50, 50], [33.3, 66.7]]) {
        const [a, b] = percentileRange(v, lo, hi);
        expect(a).toBeCloseTo(ref(lo), 9);
        expect(b).toBeCloseTo(ref(hi), 9);
      }
    }
  });

  it('falls back to [0, 1] without finite values and rejects bad percentiles', () => {
    expect(percentileRange(new Float32Array([NaN, Infinity]), 1, 99)).toEqual([0, 1]);
    expect(() => percentileRange(new Float32Array(3), 90, 10)).toThrow(/percentileRange/);
  });
});

describe('colorize', () => {
  it('maps the minimum of a ramp to entry 0 and the maximum to entry 255', () => {
    const [W, H] = [16, 4];
    const ramp = Float32Array.from({ length: W * H }, (_, i) => 3 + i * 0.5);
    for (const cmap of COLORMAP_NAMES) {
      const { rgba, range } = colorize(ramp, W, H, { cmap, percentile: [0, 100] });
      expect(range).toEqual([3, 3 + (W * H - 1) * 0.5]);
      expect(rgba).toHaveLength(W * H * 4);
      expect(pixel(rgba, 0)).toEqual([...entry(cmap, 0), 255]);
      expect(pixel(rgba, W * H - 1)).toEqual([...entry(cmap, 255), 255]);
    }
  });

  it('uses a fixed range as given and clamps values outside it', () => {
    const v = new Float32Array([-5, 0, 5, 10, 50]);
    const { rgba, range } = colorize(v, 5, 1, { cmap: 'grey', range: [0, 10] });
    expect(range).toEqual([0, 10]);
    expect([0, 1, 2, 3, 4].map((i) => rgba[4 * i])).toEqual([0, 0, 128, 255, 255]);
  });

  it('draws NaN, Infinity and invalid values as fixed dark grey', () => {
    const v = new Float32Array([1, NaN, 2, Infinity, 0, 3]);
    const invalid = (x: number): boolean => x <= 0;
    const { rgba, range } = colorize(v, 3, 2, { cmap: 'magma', invalid, percentile: [0, 100] });
    expect(range).toEqual([1, 3]); // neither the non-finite nor the invalid value stretches it
    for (const i of [1, 3, 4]) expect(pixel(rgba, i)).toEqual([...INVALID_RGB, 255]);
    expect(pixel(rgba, 0)).toEqual([...entry('magma', 0), 255]);
    expect(pixel(rgba, 5)).toEqual([...entry('magma', 255), 255]);
  });

  it('auto range (default 1-99 %) keeps outliers from washing out the image', () => {
    const v = new Float32Array(1003);
    for (let i = 0; i < 1000; i++) v[i] = i;
    v.set([1e9, 1e9, 1e9], 1000);
    const { rgba, range } = colorize(v, 1003, 1, { cmap: 'grey' });
    expect(range[1]).toBeLessThan(1000);
    expect(rgba[4 * 500]).toBeGreaterThan(100); // mid value mid grey, not black
    expect(rgba[4 * 500]).toBeLessThan(155);
  });

  it('throws on a size mismatch', () => {
    expect(() => colorize(new Float32Array(5), 2, 2, { cmap: 'grey' })).toThrow(/colorize.*5/);
  });
});

describe('colorbar', () => {
  it('runs from entry 0 to entry 255', () => {
    const bar = colorbar('viridis', 100);
    expect(bar).toHaveLength(400);
    expect(pixel(bar, 0)).toEqual([...entry('viridis', 0), 255]);
    expect(pixel(bar, 99)).toEqual([...entry('viridis', 255), 255]);
    expect(() => colorbar('viridis', 0)).toThrow(/colorbar/);
  });
});

describe('disparity error colours (KITTI devkit table)', () => {
  it('puts 0 px in the first band and 100 px in the last, with lower bounds inclusive', () => {
    expect(ERROR_BANDS).toHaveLength(10);
    expect(errorBand(0)).toBe(0);
    expect(errorColor(0)).toEqual([49, 54, 149]);
    expect(errorBand(100)).toBe(9);
    expect(errorColor(100)).toEqual([165, 0, 38]);
    expect(errorBand(2.99)).toBe(4);
    expect(errorBand(3)).toBe(5);
    expect(errorBand(-3)).toBe(5);
    expect(errorBand(NaN)).toBe(9);
  });

  it('applies the 5 % criterion when ground truth is given', () => {
    expect(errorBand(4)).toBe(5); // 3..6 px
    expect(errorBand(4, 100)).toBe(4); // min(4, 60 * 4 / 100) = 2.4 px
    expect(errorBand(4, 5)).toBe(5); // relative error large: absolute term decides
  });

  it('colours an image, invalid GT black, broken predictions red', () => {
    const gt = new Float32Array([10, 10, 0, 10, NaN, 100]);
    const pred = new Float32Array([10, 110, 5, NaN, 1, 104]);
    const img = colorizeError(pred, gt, 3, 2);
    expect(pixel(img, 0)).toEqual([49, 54, 149, 255]);
    expect(pixel(img, 1)).toEqual([165, 0, 38, 255]);
    expect(pixel(img, 2)).toEqual([0, 0, 0, 255]);
    expect(pixel(img, 3)).toEqual([165, 0, 38, 255]);
    expect(pixel(img, 4)).toEqual([0, 0, 0, 255]);
    expect(pixel(img, 5)).toEqual([254, 224, 144, 255]);
    const rel = colorizeError(pred, gt, 3, 2, { relative: true });
    expect(pixel(rel, 5)).toEqual([224, 243, 248, 255]);
    expect(() => colorizeError(pred, gt, 2, 2)).toThrow(/colorizeError/);
  });
});
