/**
 * Disparity and depth metrics: the one implementation used by training, evaluation and tests.
 *
 * Works on plain flat arrays ([H * W], disparity in px at the stored resolution, ground truth
 * 0 = invalid) so the CLI, the worker and tests share it without tensors; `disparityMetricsT` is
 * the thin tensor entry point.
 *
 * Policy on broken predictions: a non-finite predicted disparity counts as an infinite error. It
 * is inside every bad-N and D1 count and makes EPE Infinity. A silent wrong answer is worse than
 * an obvious one, so nothing predicted is ever skipped; only ground truth decides which pixels
 * are scored.
 */
import type { Tensor } from '@tensorflow/tfjs';

/** Flat per-pixel values, [H * W]. Float32Array in practice; any numeric array works. */
export type PixelValues = ArrayLike<number>;

export interface DispStats {
  /** Mean |d - dGT| in px. */
  epe: number;
  /** KITTI D1: percent (0..100) with error > 3 px and > 5 % of dGT. */
  d1: number;
  /** Percent (0..100) with error > 1 px. */
  bad1: number;
  /** Percent (0..100) with error > 2 px. */
  bad2: number;
  /** Percent (0..100) with error > 3 px. */
  bad3: number;
  /** Number of pixels scored. 0 means every other field is NaN. */
  count: number;
}

export interface DispMetrics {
  /** All pixels with valid ground truth. */
  all: DispStats;
  /** Valid and mask != 0 (seen by both views); only when a mask is given. */
  nonOcc?: DispStats;
  /** Valid and mask == 0 (occluded); only when a mask is given. */
  occ?: DispStats;
}

export interface DispMetricsOptions {
  /** [H * W], nonzero (1) = non-occluded, 0 = occluded. Splits the scores into nonOcc / occ. */
  mask?: ArrayLike<number>;
}

/** Ground truth that is scored: finite and > 0 (0 encodes "no measurement"). */
function validGt(g: number): boolean {
  return g > 0 && Number.isFinite(g);
}

/** |pred - gt|, or Infinity for a non-finite prediction (see the file comment). */
function dispError(p: number, g: number): number {
  return Number.isFinite(p) ? Math.abs(p - g) : Infinity;
}

function checkLengths(fn: string, a: PixelValues, b: PixelValues, names = ['pred', 'gt']): void {
  if (a.length !== b.length) {
    throw new Error(`${fn}: ${names[0]}.length ${a.length} != ${names[1]}.length ${b.length}`);
  }
}

class DispAccumulator {
  count = 0;
  sumErr = 0;
  n1 = 0;
  n2 = 0;
  n3 = 0;
  nD1 = 0;

  add(err: number, g: number): void {
    this.count++;
    this.sumErr += err;
    if (err > 1) this.n1++;
    if (err > 2) this.n2++;
    if (err > 3) {
      this.n3++;
      if (err > 0.05 * g) this.nD1++;
    }
  }

  stats(): DispStats {
    const c = this.count;
    if (c === 0) return { epe: NaN, d1: NaN, bad1: NaN, bad2: NaN, bad3: NaN, count: 0 };
    const pct = (n: number): number => (100 * n) / c;
    return {
      epe: this.sumErr / c,
      d1: pct(this.nD1),
      bad1: pct(this.n1),
      bad2: pct(this.n2),
      bad3: pct(this.n3),
      count: c,
    };
  }
}

/**
 * EPE, D1 and bad-1/2/3 of a predicted disparity against ground truth, on pixels with valid GT;
 * with a mask, also split into non-occluded (mask != 0) and occluded (mask 0) pixels. A subset with
 * no pixels gets NaN stats and count 0. Throws if the lengths differ.
 */
export function disparityMetrics(
  pred: PixelValues,
  gt: PixelValues,
  opts: DispMetricsOptions = {},
): DispMetrics {
  checkLengths('disparityMetrics', pred, gt);
  const mask = opts.mask;
  if (mask) checkLengths('disparityMetrics', mask, gt, ['mask', 'gt']);
  const all = new DispAccumulator();
  const nonOcc = new DispAccumulator();
  const occ = new DispAccumulator();
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    if (!validGt(g)) continue;
    const err = dispError(pred[i], g);
    all.add(err, g);
    if (mask) (mask[i] !== 0 ? nonOcc : occ).add(err, g);
  }
  const out: DispMetrics = { all: all.stats() };
  if (mask) {
    out.nonOcc = nonOcc.stats();
    out.occ = occ.stats();
  }
  return out;
}

/**
 * Tensor entry point: reads `pred`, `gt` (any shape, same size; e.g. [B, H, W, 1]) and an
 * optional mask (tensor or array, nonzero = non-occluded) with `await data()` (never dataSync,
 * which stalls WebGPU), then calls disparityMetrics. The caller still owns the tensors.
 */
export async function disparityMetricsT(
  pred: Tensor,
  gt: Tensor,
  opts: { mask?: Tensor | ArrayLike<number> } = {},
): Promise<DispMetrics> {
  if (pred.size !== gt.size) {
    throw new Error(
      `disparityMetricsT: pred shape [${pred.shape}] and gt shape [${gt.shape}] differ in size`,
    );
  }
  const maskT = opts.mask !== undefined && isTensor(opts.mask) ? opts.mask : undefined;
  const [p, g, m] = await Promise.all([pred.data(), gt.data(), maskT?.data()]);
  // Numeric tensors give typed arrays; the casts only drop tfjs's string[] alternative.
  const mask = (m ?? opts.mask) as ArrayLike<number> | undefined;
  return disparityMetrics(p as PixelValues, g as PixelValues, { mask });
}

function isTensor(x: Tensor | ArrayLike<number>): x is Tensor {
  return typeof (x as Tensor).dataId === 'object' && typeof (x as Tensor).data === 'function';
}

export interface DepthStats {
  absRel: number;
  sqRel: number;
  /** In the depth unit of focalTimesBaseline (e.g. metres when f is px and B is metres). */
  rmse: number;
  rmseLog: number;
  /** Fractions 0..1 with max(d / dGT, dGT / d) < 1.25, 1.25^2, 1.25^3. */
  a1: number;
  a2: number;
  a3: number;
  /** Number of pixels scored. 0 means every other field is NaN. */
  count: number;
}

export interface DepthMetricsOptions {
  /** Score only GT depth > minDepth and clip predicted depth up to it (Monodepth evaluation). */
  minDepth?: number;
  /** Score only GT depth < maxDepth and clip predicted depth down to it. */
  maxDepth?: number;
  /**
   * The x-difference of the principal points in pixels (Middlebury calib.txt's doffs; 0, the default, for KITTI-style
   * rectification): depth = focalTimesBaseline / (disparity + doffs), as src/data/export.ts's depthFromDisp.
   */
  doffs?: number;
}

/**
 * Depth errors (Eigen / Monodepth definitions) with depth = focalTimesBaseline / (disparity + doffs).
 * Scored pixels: GT disparity valid and GT depth inside (minDepth, maxDepth) when given.
 * A predicted disparity that is not > 0 (or not finite) gives infinite predicted depth: it is
 * scored, not skipped, and shows up as Infinity unless maxDepth clips it (as Monodepth does).
 */
export function depthMetrics(
  predDisp: PixelValues,
  gtDisp: PixelValues,
  focalTimesBaseline: number,
  opts: DepthMetricsOptions = {},
): DepthStats {
  checkLengths('depthMetrics', predDisp, gtDisp);
  if (!(focalTimesBaseline > 0 && Number.isFinite(focalTimesBaseline))) {
    throw new Error(`depthMetrics: focalTimesBaseline must be > 0, got ${focalTimesBaseline}`);
  }
  const minDepth = opts.minDepth ?? 0;
  const maxDepth = opts.maxDepth ?? Infinity;
  const doffs = opts.doffs ?? 0;
  if (!Number.isFinite(doffs)) throw new Error(`depthMetrics: doffs must be a finite number of pixels, got ${doffs}`);
  const t1 = 1.25, t2 = 1.25 ** 2, t3 = 1.25 ** 3;
  let count = 0, absRel = 0, sqRel = 0, sq = 0, sqLog = 0, a1 = 0, a2 = 0, a3 = 0;
  for (let i = 0; i < gtDisp.length; i++) {
    const g = gtDisp[i];
    if (!validGt(g)) continue;
    if (!(g + doffs > 0)) continue; // no finite GT depth
    const gtDepth = focalTimesBaseline / (g + doffs);
    if (opts.minDepth !== undefined && !(gtDepth > minDepth)) continue;
    if (opts.maxDepth !== undefined && !(gtDepth < maxDepth)) continue;
    const p = predDisp[i];
    let depth = p + doffs > 0 && Number.isFinite(p) ? focalTimesBaseline / (p + doffs) : Infinity;
    depth = Math.min(Math.max(depth, minDepth), maxDepth);
    const diff = depth - gtDepth;
    const ratio = Math.max(depth / gtDepth, gtDepth / depth);
    count++;
    absRel += Math.abs(diff) / gtDepth;
    sqRel += (diff * diff) / gtDepth;
    sq += diff * diff;
    const dl = Math.log(depth) - Math.log(gtDepth);
    sqLog += dl * dl;
    if (ratio < t1) a1++;
    if (ratio < t2) a2++;
    if (ratio < t3) a3++;
  }
  if (count === 0) {
    return { absRel: NaN, sqRel: NaN, rmse: NaN, rmseLog: NaN, a1: NaN, a2: NaN, a3: NaN, count };
  }
  return {
    absRel: absRel / count,
    sqRel: sqRel / count,
    rmse: Math.sqrt(sq / count),
    rmseLog: Math.sqrt(sqLog / count),
    a1: a1 / count,
    a2: a2 / count,
    a3: a3 / count,
    count,
  };
}

export interface ConstantBaseline {
  /** The constant disparity guessed: the median of valid GT (NaN if there is none). */
  disparity: number;
  /** EPE of that guess on the valid pixels: the lowest EPE any constant can reach. */
  epe: number;
  count: number;
}

/**
 * The best constant guess as a floor a network must beat: the median of valid GT minimises the
 * mean absolute error over constants. With an even count the midpoint of the two middle values
 * is used (any value between them gives the same EPE).
 */
export function constantDisparityBaseline(gt: PixelValues): ConstantBaseline {
  const valid = new Float64Array(gt.length);
  let n = 0;
  for (let i = 0; i < gt.length; i++) if (validGt(gt[i])) valid[n++] = gt[i];
  if (n === 0) return { disparity: NaN, epe: NaN, count: 0 };
  const sorted = valid.subarray(0, n).sort();
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(sorted[i] - median);
  return { disparity: median, epe: sum / n, count: n };
}
