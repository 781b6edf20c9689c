// Image-guided edge refinement of a disparity map at full resolution: a weighted median filter whose weights are the
// colour likeness of each window pixel to the centre, so a map's depth edges move onto the image's edges. Why: the
// networks predict at 1/4 resolution and upsample, and most of the general model's error on an unseen pair lies at
// depth edges (RESULTS.md, "Why it falls short": tsukuba 43 % of the error within 3 px of GT edges). Radius and
// sigma were chosen on the held-out corpus pairs (cli/corpus.ts CORPUS_VAL; scripts/edge-filter.ts, RESULTS.md): the
// largest radius that lowered every held-out pair's EPE and bad-3 / D1 in both final maps. Tests: edgeRefine.test.ts.

/** The colour spread of the weights (image in [0, 1]): exp(-|I_p - I_q|^2 / (2 sigma^2)). */
export const EDGE_REFINE_SIGMA = 0.1;

/** Windows whose disparities lie within this many pixels keep their value (a flat or gently sloping surface). */
export const EDGE_REFINE_MIN_RANGE = 1;

/** The weighted median of vals[0..k) (weights wts, summing to total): the smallest value whose cumulative weight reaches half. Reorders both. */
export function weightedMedian(vals: Float64Array, wts: Float64Array, k: number, total: number): number {
  let lo = 0;
  let hi = k - 1;
  let below = 0; // the weight of the values known to lie below vals[lo..hi]
  const half = total / 2;
  while (lo < hi) {
    const pivot = vals[(lo + hi) >> 1];
    // three-way partition of [lo, hi]: < pivot | == pivot | > pivot
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = vals[i];
      if (v < pivot) swap(vals, wts, lt++, i++);
      else if (v > pivot) swap(vals, wts, i, gt--);
      else i++;
    }
    let wLess = 0;
    let wEq = 0;
    for (let j = lo; j < lt; j++) wLess += wts[j];
    for (let j = lt; j <= gt; j++) wEq += wts[j];
    if (below + wLess >= half) hi = lt - 1;
    else if (below + wLess + wEq >= half) return pivot;
    else {
      below += wLess + wEq;
      lo = gt + 1;
    }
  }
  return vals[lo];
}

function swap(a: Float64Array, b: Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
  const u = b[i];
  b[i] = b[j];
  b[j] = u;
}

/**
 * The map refined: each pixel whose (2 radius + 1)^2 window holds disparities more than `minRange` px apart becomes the
 * weighted median of the window's disparities; the others keep theirs. disp [H * W], rgb [H * W * 3] in [0, 1] (the
 * left image the map belongs to). radius 0 returns a copy.
 */
export function refineEdges(disp: Float32Array, rgb: Float32Array, W: number, H: number, radius: number, sigma = EDGE_REFINE_SIGMA, minRange = EDGE_REFINE_MIN_RANGE): Float32Array {
  if (disp.length !== W * H || rgb.length !== W * H * 3) throw new Error(`refineEdges: a ${W}x${H} map needs ${W * H} disparities and ${W * H * 3} colour values, got ${disp.length} and ${rgb.length}`);
  if (!(Number.isInteger(radius) && radius >= 0)) throw new Error(`refineEdges: the radius must be a whole number of pixels >= 0, got ${radius}`);
  const out = Float32Array.from(disp);
  if (radius === 0) return out;
  const n = (2 * radius + 1) ** 2;
  const vals = new Float64Array(n);
  const wts = new Float64Array(n);
  const inv = 1 / (2 * sigma * sigma);
  for (let y = 0; y < H; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(H - 1, y + radius);
    for (let x = 0; x < W; x++) {
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(W - 1, x + radius);
      let lo = Infinity;
      let hi = -Infinity;
      for (let yy = y0; yy <= y1; yy++) {
        for (let xx = x0; xx <= x1; xx++) {
          const v = disp[yy * W + xx];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      if (!(hi - lo > minRange)) continue; // also skips a window with a NaN
      const p = y * W + x;
      const pr = rgb[3 * p];
      const pg = rgb[3 * p + 1];
      const pb = rgb[3 * p + 2];
      let k = 0;
      let total = 0;
      for (let yy = y0; yy <= y1; yy++) {
        for (let xx = x0; xx <= x1; xx++) {
          const q = yy * W + xx;
          const dr = rgb[3 * q] - pr;
          const dg = rgb[3 * q + 1] - pg;
          const db = rgb[3 * q + 2] - pb;
          const w = Math.exp(-(dr * dr + dg * dg + db * db) * inv);
          vals[k] = disp[q];
          wts[k] = w;
          total += w;
          k++;
        }
      }
      out[p] = weightedMedian(vals, wts, k, total);
    }
  }
  return out;
}
