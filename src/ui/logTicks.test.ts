// The loss charts' log-axis ticks: never closer than the gap asked for, covering the range, and
// as many as fit.
import { describe, expect, it } from 'vitest';
import { fmtLoss, logTicks } from './logTicks';

/** Pixel position of v on a log axis from min (0) to max (plotPx). */
const px = (v: number, min: number, max: number, plotPx: number) => ((Math.log10(v) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))) * plotPx;

function minGap(ticks: number[], min: number, max: number, plotPx: number): number {
  let gap = Infinity;
  for (let i = 1; i < ticks.length; i++) gap = Math.min(gap, px(ticks[i], min, max, plotPx) - px(ticks[i - 1], min, max, plotPx));
  return gap;
}

describe('logTicks', () => {
  const cases: [number, number, number][] = [
    // [min, max, plot height px]: six decades in a short and a tall chart, one decade, eleven.
    [1e-5, 10, 53],
    [1e-5, 10, 180],
    [1e-3, 1e-2, 180],
    [1e-8, 1e3, 120],
    [0.02, 0.5, 180],
  ];
  for (const [min, max, h] of cases) {
    it(`keeps labels at least 20 px apart on ${min}..${max} over ${h} px, in ascending order inside the range`, () => {
      const ticks = logTicks(min, max, h, 20);
      expect(ticks.length).toBeGreaterThan(0);
      expect(minGap(ticks, min, max, h)).toBeGreaterThanOrEqual(20);
      for (const t of ticks) {
        expect(t).toBeGreaterThanOrEqual(min * (1 - 1e-9));
        expect(t).toBeLessThanOrEqual(max * (1 + 1e-9));
      }
      expect([...ticks].sort((a, b) => a - b)).toEqual(ticks);
    });
  }

  it('labels every decade of six when there is room, and 2 and 5 between when a decade is tall', () => {
    expect(logTicks(1e-5, 10, 180, 20)).toEqual([1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]);
    expect(logTicks(1e-3, 1e-1, 180, 20)).toEqual([1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1]);
  });

  it('skips decades, aligned on powers of ten, when decades are shorter than the gap', () => {
    // 11 decades in 120 px: ~11 px each, so every second decade.
    const ticks = logTicks(1e-8, 1e3, 120, 20);
    expect(ticks).toEqual([1e-8, 1e-6, 1e-4, 1e-2, 1, 1e2]);
  });

  it('gives nothing for a range a log axis cannot show', () => {
    expect(logTicks(0, 1, 100, 20)).toEqual([]);
    expect(logTicks(1, 0.5, 100, 20)).toEqual([]);
    expect(logTicks(1e-3, 1, 0, 20)).toEqual([]);
  });
});

describe('fmtLoss', () => {
  it('writes two significant digits down to 0.01, an exponent below, nothing for gaps', () => {
    expect(fmtLoss(0.25)).toBe('0.25');
    expect(fmtLoss(10)).toBe('10');
    expect(fmtLoss(1e-3)).toBe('1e-3');
    expect(fmtLoss(null)).toBe('');
    expect(fmtLoss(NaN)).toBe('');
  });
});
