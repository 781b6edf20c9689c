// Ticks of a log-scale axis that never crowd: powers of ten (every k-th decade when decades are
// short on screen), with 2 and 5 between them when a decade is tall enough. Pure numbers, so the
// loss charts' labels can be checked without a browser (logTicks.test.ts).

/** Label of a loss value: two significant digits, or an exponent below 0.01. */
export function fmtLoss(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '' : v >= 0.01 ? String(Number(v.toPrecision(2))) : v.toExponential(0);
}

/** 10^e without the rounding of Math.pow (1e-3, not 0.0010000000000000002). */
const pow10 = (e: number) => Number(`1e${e}`);

/**
 * Tick values in [min, max] (min > 0) for an axis `plotPx` long, no two ticks closer than
 * `minGapPx`: 1, 2, 5 x 10^e when a decade has room for them (the closest pair, 2 to 5, is
 * log10(2.5) of a decade apart; 1 to 2 is log10(2)), else powers of ten, every k-th one when a
 * decade is shorter than the gap. Empty for an empty or invalid range.
 */
export function logTicks(min: number, max: number, plotPx: number, minGapPx: number): number[] {
  if (!(min > 0 && max >= min && Number.isFinite(max) && plotPx > 0 && minGapPx > 0)) return [];
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const decades = hi - lo;
  if (decades === 0) return [min];
  const pxPerDecade = plotPx / decades;
  const mantissas = pxPerDecade * Math.log10(2) >= minGapPx ? [1, 2, 5] : [1];
  const every = Math.max(1, Math.ceil(minGapPx / pxPerDecade));
  const eps = 1e-9 * decades; // min and max are often exact powers of ten, up to rounding
  const ticks: number[] = [];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++) {
    if (((e % every) + every) % every !== 0) continue; // keeps 1, 1e-3, 1e-6 ... when every = 3
    for (const m of mantissas) {
      const v = m * pow10(e);
      const lv = Math.log10(v);
      if (lv >= lo - eps && lv <= hi + eps) ticks.push(v);
    }
  }
  return ticks;
}
