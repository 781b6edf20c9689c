// Full-resolution match refinement of a disparity map: each pixel's disparity moves by the offset, within +-range px,
// that best matches the right image, with costs aggregated by an edge-preserving guided filter (He et al. 2013;
// Hosni et al., "Fast cost-volume filtering", 2013) so a window does not straddle a depth edge. Why: the networks
// match at 1/4 resolution and upsample, so their answers are off by a pixel or so everywhere and more at edges
// (RESULTS.md, "Why it falls short"); the images themselves can settle that last pixel. Only offsets are searched
// (the network's answer stays the prior), so a wrong answer far off is left as it is. The costs are aggregated with
// each pixel at its own answer plus the offset, so what is assumed locally constant is the network's error, not the
// disparity: upsampled from 1/4 resolution, that error varies smoothly. Range and radius were chosen on the held-out
// corpus pairs (cli/corpus.ts CORPUS_VAL; scripts/match-refine.ts, results/match-refine/README.md): range 6 with radius
// 3 lowered every pair's error in both final maps, ahead of the edge refinement. Tests: matchRefine.test.ts.

export interface MatchRefineOptions {
  /** Offsets searched: -range..range px around the map's own answer. */
  range: number;
  /** Offset step, px. */
  step: number;
  /** Guided filter radius, px. */
  radius: number;
  /** Guided filter regulariser (image in [0, 1]). */
  eps: number;
  /** Weight of the x-gradient term against the colour term. */
  alpha: number;
  /** Truncation of the colour and gradient differences. */
  tauColor: number;
  tauGrad: number;
}

export const MATCH_REFINE_DEFAULTS: MatchRefineOptions = { range: 6, step: 0.5, radius: 3, eps: 1e-4, alpha: 0.9, tauColor: 7 / 255, tauGrad: 2 / 255 };

/** Mean over the (2r + 1)^2 window clipped to the image, into out. */
export function boxMean(src: Float32Array, W: number, H: number, r: number, out: Float32Array, tmp: Float32Array): void {
  // rows: running sums along x
  for (let y = 0; y < H; y++) {
    const o = y * W;
    let s = 0;
    for (let x = 0; x <= Math.min(r, W - 1); x++) s += src[o + x];
    for (let x = 0; x < W; x++) {
      tmp[o + x] = s;
      const add = x + r + 1;
      const sub = x - r;
      if (add < W) s += src[o + add];
      if (sub >= 0) s -= src[o + sub];
    }
  }
  // columns, then divide by the clipped window's area
  for (let x = 0; x < W; x++) {
    let s = 0;
    for (let y = 0; y <= Math.min(r, H - 1); y++) s += tmp[y * W + x];
    for (let y = 0; y < H; y++) {
      const nx = Math.min(x + r, W - 1) - Math.max(x - r, 0) + 1;
      const ny = Math.min(y + r, H - 1) - Math.max(y - r, 0) + 1;
      out[y * W + x] = s / (nx * ny);
      const add = y + r + 1;
      const sub = y - r;
      if (add < H) s += tmp[add * W + x];
      if (sub >= 0) s -= tmp[sub * W + x];
    }
  }
}

function grey(rgb: Float32Array, n: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2];
  return g;
}

function gradX(g: Float32Array, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const o = y * W;
    for (let x = 0; x < W; x++) out[o + x] = (g[o + Math.min(x + 1, W - 1)] - g[o + Math.max(x - 1, 0)]) / 2;
  }
  return out;
}

/**
 * The map refined by matching at full resolution. disp [H * W] (left view, px; the right pixel is x - d), left and
 * right [H * W * 3] in [0, 1]. Non-finite disparities stay as they are, and no disparity is moved to 0 or below
 * (e2e/export.spec.ts: every pixel of an answer is a positive disparity).
 */
export function refineByMatching(disp: Float32Array, left: Float32Array, right: Float32Array, W: number, H: number, opts: Partial<MatchRefineOptions> = {}): Float32Array {
  const o = { ...MATCH_REFINE_DEFAULTS, ...opts };
  const N = W * H;
  const out = Float32Array.from(disp);
  if (o.range <= 0) return out;
  const gl = grey(left, N);
  const gxl = gradX(gl, W, H);
  const gxr = gradX(grey(right, N), W, H);
  const tmp = new Float32Array(N);
  const meanI = new Float32Array(N);
  boxMean(gl, W, H, o.radius, meanI, tmp);
  const p = new Float32Array(N); // a cost slice; first the squared image
  for (let i = 0; i < N; i++) p[i] = gl[i] * gl[i];
  const varI = new Float32Array(N);
  boxMean(p, W, H, o.radius, varI, tmp);
  for (let i = 0; i < N; i++) varI[i] -= meanI[i] * meanI[i];

  const n = Math.round((2 * o.range) / o.step) + 1;
  const bestC = new Float32Array(N).fill(Infinity);
  const bestJ = new Int32Array(N).fill(-1);
  const prevC = new Float32Array(N);
  const nextC = new Float32Array(N);
  const lastC = new Float32Array(N);
  const ip = new Float32Array(N);
  const meanP = new Float32Array(N);
  const meanIP = new Float32Array(N);
  const maxCost = (1 - o.alpha) * o.tauColor + o.alpha * o.tauGrad;
  for (let j = 0; j < n; j++) {
    const off = -o.range + j * o.step;
    for (let y = 0; y < H; y++) {
      const row = y * W;
      for (let x = 0; x < W; x++) {
        const i = row + x;
        const d = disp[i];
        const xr = x - (Number.isFinite(d) ? d : 0) - off;
        let c = maxCost;
        // a match out of the right image, or at a disparity that is not positive (no match in view), is no match
        if (xr >= 0 && xr <= W - 1 && xr < x) {
          const x0 = Math.min(Math.floor(xr), W - 2 < 0 ? 0 : W - 2);
          const t = xr - x0;
          const k0 = row + x0;
          const k1 = W > 1 ? k0 + 1 : k0;
          let dc = 0;
          for (let ch = 0; ch < 3; ch++) dc += Math.abs(left[3 * i + ch] - ((1 - t) * right[3 * k0 + ch] + t * right[3 * k1 + ch]));
          dc /= 3;
          const dg = Math.abs(gxl[i] - ((1 - t) * gxr[k0] + t * gxr[k1]));
          c = (1 - o.alpha) * Math.min(dc, o.tauColor) + o.alpha * Math.min(dg, o.tauGrad);
        }
        p[i] = c;
        ip[i] = c * gl[i];
      }
    }
    // guided filter of the cost slice, guided by the left grey image; its coefficients a, b go where p, ip were
    boxMean(p, W, H, o.radius, meanP, tmp);
    boxMean(ip, W, H, o.radius, meanIP, tmp);
    for (let i = 0; i < N; i++) {
      const ai = (meanIP[i] - meanI[i] * meanP[i]) / (varI[i] + o.eps);
      p[i] = ai;
      ip[i] = meanP[i] - ai * meanI[i];
    }
    boxMean(p, W, H, o.radius, meanP, tmp);
    boxMean(ip, W, H, o.radius, meanIP, tmp);
    for (let i = 0; i < N; i++) {
      const c = meanP[i] * gl[i] + meanIP[i];
      if (bestJ[i] === j - 1) nextC[i] = c;
      if (c < bestC[i]) {
        bestC[i] = c;
        bestJ[i] = j;
        prevC[i] = j > 0 ? lastC[i] : Infinity;
        nextC[i] = Infinity;
      }
      lastC[i] = c;
    }
  }
  for (let i = 0; i < N; i++) {
    const j = bestJ[i];
    if (!Number.isFinite(disp[i]) || j <= 0 || j >= n - 1) continue; // the best at the search's end: no minimum found
    const c0 = prevC[i];
    const c2 = nextC[i];
    const den = c0 - 2 * bestC[i] + c2;
    let sub = 0;
    if (den > 0) sub = Math.max(-0.5, Math.min(0.5, (c0 - c2) / (2 * den)));
    const v = disp[i] + (-o.range + (j + sub) * o.step);
    if (v > 0) out[i] = v; // a disparity must stay positive: the exports and metrics read 0 and below as no answer
  }
  return out;
}
