// Training on a corpus of many pairs (issue 22): the pairs stay 8-bit on the CPU, each step's crops
// are cut and resampled there and only the batch is uploaded, so memory grows with the corpus's
// bytes (1 byte a value), not with 4-byte tensors of every pair. No tfjs in this file: cli/corpus.ts
// reads the pairs and uploads the batches.
import { mulberry32 } from '../util/random';
import type { PipelineSettings } from './pipeline';

/** One pair as the corpus holds it: RGB, HWC, 8-bit (greyscale pairs are three equal channels). */
export interface CorpusPair {
  name: string;
  domain: string;
  width: number;
  height: number;
  left: Uint8Array;
  right: Uint8Array;
  /** Largest disparity in pixels at this size: from index.json's GT figure, else estimated (estimateDispMax). */
  dispMax: number;
  /** Whether dispMax came from ground truth. */
  dispMaxKnown: boolean;
}

/**
 * A pair's largest disparity when no ground truth says it: DISP_WIDTH_SHARE of its width. Among the
 * corpus's 37 pairs with GT, the largest disparity is 4-17 % of the width (Middlebury 2005/2006 about
 * 16 %, FlyingThings3D 7-16 %, KITTI 6 %), so this errs on the large side: a pair is scaled down
 * rather than trained with matches beyond the network's range.
 */
export const DISP_WIDTH_SHARE = 0.16;
export function estimateDispMax(width: number): number {
  return DISP_WIDTH_SHARE * width;
}

/**
 * The share of the network's range a pair's largest disparity may take at the scale it is trained
 * at (the rest is headroom for the scale jitter and for the soft-argmax, which cannot reach its last bin).
 */
export const RANGE_SHARE = 0.75;
/** Each crop's scale is the pair's base scale times 2^u, u uniform in [-SCALE_JITTER, 0]. */
export const SCALE_JITTER = 0.6;

/**
 * The scale a pair is trained at before jitter: 1, or less where its largest disparity would exceed
 * RANGE_SHARE of the network's range (maxDisp). Disparities scale with the image, so a pair shrunk by
 * s has its largest disparity times s.
 */
export function baseScale(pair: Pick<CorpusPair, 'dispMax'>, maxDisp: number): number {
  return Math.min(1, (RANGE_SHARE * maxDisp) / Math.max(1e-6, pair.dispMax));
}

/**
 * The crop settings are the per-scene pipeline's (src/train/pipeline.ts); on a corpus each view also gets its
 * own small colour change on top of the shared jitter.
 */
export type CorpusCropSettings = PipelineSettings;

/** Where one crop of a corpus batch comes from (drawn before any pixel is touched; testable alone). */
export interface CorpusCropPlan {
  pair: number;
  /** Resampling factor (output pixels per source pixel). */
  scale: number;
  /** Top-left of the crop in the resampled image. */
  x: number;
  y: number;
  flip: boolean;
  /** Per-view colour: out = clamp((v - 0.5) * gain[c] + 0.5 + bias). */
  gainL: [number, number, number];
  gainR: [number, number, number];
  biasL: number;
  biasR: number;
}

/**
 * Domain-balanced sampling: each crop picks a domain uniformly among those present, then a pair
 * uniformly within it. With the shared corpus's 62 indoor, 17 outdoor, 38 driving and 4 synthetic
 * pairs, each domain gets a quarter of the crops, so the 28 frames of one driving video (and the
 * many Middlebury scenes) do not swamp the rest. The draws of step `step` depend on (seed, step)
 * alone, so a run continued from a checkpoint sees the same crops as one that never stopped.
 */
export function planCorpusBatch(pairs: readonly Pick<CorpusPair, 'domain' | 'width' | 'height' | 'dispMax'>[], s: CorpusCropSettings, maxDisp: number, step: number): CorpusCropPlan[] {
  if (pairs.length === 0) throw new Error('the corpus holds no usable pair');
  const r = mulberry32((s.seed * 1000003 + step * 7919 + 12345) >>> 0);
  const domains = [...new Set(pairs.map((p) => p.domain))].sort();
  const byDomain = new Map(domains.map((d) => [d, pairs.map((p, i) => (p.domain === d ? i : -1)).filter((i) => i >= 0)]));
  const j = s.jitter;
  const sym = () => r() * 2 - 1;
  return Array.from({ length: s.batch }, () => {
    const members = byDomain.get(domains[Math.floor(r() * domains.length)])!;
    const pair = members[Math.floor(r() * members.length)];
    const p = pairs[pair];
    // the crop must fit: a pair smaller than the crop is scaled up to fit (its disparities with it)
    const fit = Math.max(s.width / p.width, s.height / p.height);
    const scale = Math.max(fit, baseScale(p, maxDisp) * 2 ** (-SCALE_JITTER * r()));
    const w = Math.floor(p.width * scale);
    const h = Math.floor(p.height * scale);
    const shared = [1 + sym() * j * 0.5, 1 + sym() * j * 0.5, 1 + sym() * j * 0.5];
    const contrast = 1 + sym() * j;
    const bias = sym() * j * 0.5;
    // the two cameras differ a little in gain and exposure: a quarter of the shared jitter, per view
    const view = (): [[number, number, number], number] => {
      const g = 1 + sym() * j * 0.25;
      return [[shared[0] * contrast * g, shared[1] * contrast * g, shared[2] * contrast * g], bias + sym() * j * 0.1];
    };
    const [gainL, biasL] = view();
    const [gainR, biasR] = view();
    return {
      pair,
      scale,
      x: Math.floor(r() * Math.max(1, w - s.width + 1)),
      y: Math.floor(r() * Math.max(1, h - s.height + 1)),
      flip: s.flip && r() < 0.5,
      gainL,
      gainR,
      biasL,
      biasR,
    };
  });
}

/**
 * Cuts one view of a planned crop: the pair's image resampled by `scale` (bilinear, or a box
 * average of the covered source pixels when shrinking, so fine texture does not alias), the
 * window at (x, y), mirrored when `mirror`, colour-changed, written into `out` at `offset` as
 * floats in [0, 1] (HWC, RGB).
 */
export function cutView(img: Uint8Array, W: number, H: number, c: Pick<CorpusCropPlan, 'scale' | 'x' | 'y'>, w: number, h: number, mirror: boolean, gain: readonly number[], bias: number, out: Float32Array, offset: number): void {
  const inv = 1 / c.scale;
  // source footprint of one output pixel: at least one source pixel
  const foot = Math.max(1, inv);
  const taps = Math.min(4, Math.ceil(foot));
  for (let oy = 0; oy < h; oy++) {
    for (let ox = 0; ox < w; ox++) {
      let r = 0, g = 0, b = 0;
      for (let ty = 0; ty < taps; ty++) {
        const sy = Math.min(H - 1, Math.max(0, (c.y + oy + (ty + 0.5) / taps) * inv - 0.5));
        const y0 = Math.floor(sy);
        const y1 = Math.min(H - 1, y0 + 1);
        const fy = sy - y0;
        for (let tx = 0; tx < taps; tx++) {
          const sx = Math.min(W - 1, Math.max(0, (c.x + ox + (tx + 0.5) / taps) * inv - 0.5));
          const x0 = Math.floor(sx);
          const x1 = Math.min(W - 1, x0 + 1);
          const fx = sx - x0;
          const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
          const i00 = (y0 * W + x0) * 3, i01 = (y0 * W + x1) * 3, i10 = (y1 * W + x0) * 3, i11 = (y1 * W + x1) * 3;
          r += w00 * img[i00] + w01 * img[i01] + w10 * img[i10] + w11 * img[i11];
          g += w00 * img[i00 + 1] + w01 * img[i01 + 1] + w10 * img[i10 + 1] + w11 * img[i11 + 1];
          b += w00 * img[i00 + 2] + w01 * img[i01 + 2] + w10 * img[i10 + 2] + w11 * img[i11 + 2];
        }
      }
      const k = 1 / (255 * taps * taps);
      const o = offset + (oy * w + (mirror ? w - 1 - ox : ox)) * 3;
      out[o] = Math.min(1, Math.max(0, (r * k - 0.5) * gain[0] + 0.5 + bias));
      out[o + 1] = Math.min(1, Math.max(0, (g * k - 0.5) * gain[1] + 0.5 + bias));
      out[o + 2] = Math.min(1, Math.max(0, (b * k - 0.5) * gain[2] + 0.5 + bias));
    }
  }
}

/**
 * The batch's two views as float arrays [B, h, w, 3]. A flipped crop is the mirrored pair: the
 * mirrored right view becomes the left one (so disparities stay positive).
 */
export function cutCorpusBatch(pairs: readonly CorpusPair[], plan: readonly CorpusCropPlan[], w: number, h: number): { left: Float32Array; right: Float32Array } {
  const n = w * h * 3;
  const left = new Float32Array(plan.length * n);
  const right = new Float32Array(plan.length * n);
  plan.forEach((c, i) => {
    const p = pairs[c.pair];
    const [srcL, srcR] = c.flip ? [p.right, p.left] : [p.left, p.right];
    cutView(srcL, p.width, p.height, c, w, h, c.flip, c.gainL, c.biasL, left, i * n);
    cutView(srcR, p.width, p.height, c, w, h, c.flip, c.gainR, c.biasR, right, i * n);
  });
  return { left, right };
}

/** Float RGB in [0, 1] (HWC) to 8-bit, rounding. */
export function toBytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, data[i])) * 255);
  return out;
}
