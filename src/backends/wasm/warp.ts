// The horizontal warp (src/core/warp.ts) as loops over the wasm heap (why: ./heap.ts); ./ops.test.ts compares values
// and gradients with the stock-op version.
import type * as tf from '@tensorflow/tfjs';
import { warpFromKernels } from '../../core/accelerated';
import type { DispT } from '../../core/types';
import { compute } from './heap';

// ---- warp: out[b,y,x,c] = img at x + sign * d(b,y,x), linear along x, clamped to [0, W-1] -----

/** Calls `f(pixel, rowBase, x0, w1, inside)` for every output pixel: its sample position as in src/core/warp.ts. */
function eachSample(B: number, H: number, W: number, D: Float32Array, sign: number, f: (p: number, rowBase: number, x0: number, w1: number, inside: boolean) => void): void {
  for (let row = 0; row < B * H; row++) {
    const rowBase = row * W;
    for (let x = 0; x < W; x++) {
      const p = rowBase + x;
      const xsRaw = x + sign * D[p];
      const xs = Math.min(Math.max(xsRaw, 0), W - 1);
      const x0 = Math.min(Math.max(Math.floor(xs), 0), W - 2);
      f(p, rowBase, x0, xs - x0, xsRaw >= 0 && xsRaw <= W - 1);
    }
  }
}

function warpForward(img: tf.Tensor4D, d: DispT, sign: number): tf.Tensor4D {
  const [B, H, W, C] = img.shape;
  return compute(img.shape, [img, d], (O, I, D) => {
    eachSample(B, H, W, D, sign, (p, rowBase, x0, w1) => {
      const a = (rowBase + x0) * C;
      const o = p * C;
      for (let c = 0; c < C; c++) {
        const v0 = I[a + c];
        O[o + c] = v0 + w1 * (I[a + C + c] - v0);
      }
    });
  });
}

/** d/d disp = sign * sum_c dy * (img[x0 + 1] - img[x0]), 0 where the sample was clamped. */
function warpGradDisp(dy: tf.Tensor4D, img: tf.Tensor4D, d: DispT, sign: number): tf.Tensor4D {
  const [B, H, W, C] = img.shape;
  return compute(d.shape, [dy, img, d], (G, DY, I, D) => {
    eachSample(B, H, W, D, sign, (p, rowBase, x0, _w1, inside) => {
      let s = 0;
      if (inside) {
        const a = (rowBase + x0) * C;
        const o = p * C;
        for (let c = 0; c < C; c++) s += DY[o + c] * (I[a + C + c] - I[a + c]);
      }
      G[p] = sign * s;
    });
  });
}

/** d/d img: each output pixel's dy goes back to the two pixels it sampled, by their weights. */
function warpGradImage(dy: tf.Tensor4D, d: DispT, sign: number): tf.Tensor4D {
  const [B, H, W, C] = dy.shape;
  return compute(dy.shape, [dy, d], (G, DY, D) => {
    eachSample(B, H, W, D, sign, (p, rowBase, x0, w1) => {
      const a = (rowBase + x0) * C;
      const o = p * C;
      for (let c = 0; c < C; c++) {
        const g = DY[o + c];
        G[a + c] += g * (1 - w1);
        G[a + C + c] += g * w1;
      }
    });
  }, true);
}

/** warpH of src/core/warp.ts with its custom gradient (the image gradient only when asked for). */
export const warpHWasm = warpFromKernels({ forward: warpForward, gradDisp: warpGradDisp, gradImage: warpGradImage });
