// The scale a pair is run at for its answer: resampled so its disparities sit where the networks read
// them best, about half of StereoNet's range.
//
// Why: the networks are not scale-equivariant, and what a pair's pixels hold depends on its cameras: a
// Middlebury 2001 scene has disparities under 20 px, a KITTI frame up to 200. Run at its own size, a pair
// with small disparities is matched at 1/4 resolution on a few cells of the cost volume; one with large
// ones runs out of range. On the six held-out corpus pairs (cli/corpus.ts CORPUS_VAL; never the
// validation scenes), with the general model (scripts/scale-sweep.ts, log in results/fusion/), StereoNet's
// EPE at the best of 0.5x-2x was at the factor that brings the 95th percentile of its own first answer
// nearest 64 px (half of the default range of 128): bull (p95 16 px) 0.64 -> 0.48 px at 2x, aloe (42 px)
// 3.19 -> 2.95 at 1.5x, FlyingThings (83 px) 9.83 -> 8.30 at 0.75x; bowling2, books and the KITTI frame
// (63-67 px) were best at 1x.

/** The 95th percentile of the first answer's disparity is brought to this share of StereoNet's range. */
export const TARGET_SHARE = 0.5;
/** Factors are held to [MIN_FACTOR, MAX_FACTOR]. */
export const MIN_FACTOR = 0.5;
export const MAX_FACTOR = 2;
/** Factors within this ratio of 1 are taken as 1 (resampling costs a pass and blurs a little). */
export const SNAP = 1.2;
/** The resampled pair holds at most this many pixels (a 1920x1080 frame): a 2x pass costs four times a 1x one. */
export const MAX_PIXELS = 1920 * 1080;

/** The 95th percentile of the finite values of `d` (0 when there are none). */
export function percentile95(d: ArrayLike<number>): number {
  const v: number[] = [];
  for (let i = 0; i < d.length; i++) if (Number.isFinite(d[i])) v.push(d[i]);
  if (v.length === 0) return 0;
  v.sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor(0.95 * v.length))];
}

/**
 * The factor to resample a W x H pair by, from the 95th percentile (in the pair's pixels) of StereoNet's
 * disparity at its own size and the network's range `maxDisp`. 1 when the first answer says nothing
 * (p95 not positive).
 */
export function inferenceFactor(p95: number, maxDisp: number, W: number, H: number): number {
  if (!(p95 > 0) || !(maxDisp > 0)) return 1;
  let f = Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, (TARGET_SHARE * maxDisp) / p95));
  f = Math.min(f, Math.max(1, Math.sqrt(MAX_PIXELS / (W * H))));
  return f < SNAP && f > 1 / SNAP ? 1 : f;
}
