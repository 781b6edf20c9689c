import * as tf from '@tensorflow/tfjs';
import { rng } from './gradcheck';

/**
 * A synthetic rectified stereo scene with exact disparities: a textured background at
 * disparity `bg` and a textured foreground strip at disparity `fg` (> bg) covering left
 * columns [x0, x1). Left pixel x matches right pixel x - dL(x).
 * The left view then has an occluded band [x0 - (fg - bg), x0) of background pixels hidden
 * behind the foreground in the right view, and an out-of-view strip [0, bg) on the left.
 */
export interface SyntheticScene {
  leftImg: tf.Tensor4D;
  rightImg: tf.Tensor4D;
  dL: tf.Tensor4D;
  dR: tf.Tensor4D;
  /** 1 where the left pixel is visible in both views per construction. */
  visible: tf.Tensor4D;
}

export function layeredScene(opts: { H: number; W: number; bg: number; fg: number; x0: number; x1: number; seed?: number; channels?: number }): SyntheticScene {
  const { H, W, bg, fg, x0, x1 } = opts;
  const C = opts.channels ?? 3;
  const r = rng(opts.seed ?? 1);
  // Textures indexed by world column (left-image coordinates) and row: value noise summed
  // over octaves (cell sizes 16, 8, 4, 2, 1 px), so matching has structure at every scale,
  // as real images do.
  const texB = valueNoise(H, W + 64, C, r);
  const texF = valueNoise(H, W + 64, C, r);
  const at = (tex: Float32Array, y: number, u: number, c: number) => tex[(y * (W + 64) + u) * C + c];
  const left = new Float32Array(H * W * C);
  const right = new Float32Array(H * W * C);
  const dL = new Float32Array(H * W);
  const dR = new Float32Array(H * W);
  const vis = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const fgL = x >= x0 && x < x1;
      dL[y * W + x] = fgL ? fg : bg;
      const fgR = x + fg >= x0 && x + fg < x1; // right pixel x sees the foreground at left column x + fg
      dR[y * W + x] = fgR ? fg : bg;
      for (let c = 0; c < C; c++) {
        left[(y * W + x) * C + c] = fgL ? at(texF, y, x, c) : at(texB, y, x, c);
        right[(y * W + x) * C + c] = fgR ? at(texF, y, x + fg, c) : at(texB, y, x + bg, c);
      }
      const xr = x - dL[y * W + x];
      const hidden = !fgL && xr >= 0 && xr + fg >= x0 && xr + fg < x1;
      vis[y * W + x] = xr >= 0 && !hidden ? 1 : 0;
    }
  }
  return {
    leftImg: tf.tensor4d(left, [1, H, W, C]),
    rightImg: tf.tensor4d(right, [1, H, W, C]),
    dL: tf.tensor4d(dL, [1, H, W, 1]),
    dR: tf.tensor4d(dR, [1, H, W, 1]),
    visible: tf.tensor4d(vis, [1, H, W, 1]),
  };
}

/** Multi-octave value noise in [0, 1]: [H, W, C] interleaved. */
function valueNoise(H: number, W: number, C: number, r: () => number): Float32Array {
  const out = new Float32Array(H * W * C);
  const cells = [16, 8, 4, 2, 1];
  const weights = [0.35, 0.25, 0.18, 0.12, 0.1];
  cells.forEach((cell, o) => {
    const gh = Math.ceil(H / cell) + 2;
    const gw = Math.ceil(W / cell) + 2;
    const grid = Float32Array.from({ length: gh * gw * C }, () => r());
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      const fy = y / cell, fx = x / cell;
      const y0 = Math.floor(fy), x0 = Math.floor(fx);
      const ty = fy - y0, tx = fx - x0;
      for (let c = 0; c < C; c++) {
        const g = (yy: number, xx: number) => grid[(yy * gw + xx) * C + c];
        const v = (1 - ty) * ((1 - tx) * g(y0, x0) + tx * g(y0, x0 + 1)) + ty * ((1 - tx) * g(y0 + 1, x0) + tx * g(y0 + 1, x0 + 1));
        out[(y * W + x) * C + c] += weights[o] * v;
      }
    }
  });
  return out;
}
