// The 1-D correlation (src/core/correlation.ts) as loops over the wasm heap (why: ./heap.ts); ./ops.test.ts compares
// values and both gradients with the stock-op version.
import type * as tf from '@tensorflow/tfjs';
import { correlationFromKernels } from '../../core/accelerated';
import { compute } from './heap';

// ---- correlation: cost[b,y,x,i] = mean_c left[b,y,x,c] * right[b,y,x - (minK + i),c] ----------

/** sum_c A[a + c] * B[b + c] for c < n, four at a time (twice as fast as one at a time here). */
function dot(A: Float32Array, a: number, B: Float32Array, b: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < n; c += 4) {
    s0 += A[a + c] * B[b + c];
    s1 += A[a + c + 1] * B[b + c + 1];
    s2 += A[a + c + 2] * B[b + c + 2];
    s3 += A[a + c + 3] * B[b + c + 3];
  }
  for (; c < n; c++) s0 += A[a + c] * B[b + c];
  return s0 + s1 + s2 + s3;
}

/** G[g + c] += k * X[x + c] for c < n, four at a time. */
function axpy(G: Float32Array, g: number, k: number, X: Float32Array, x: number, n: number): void {
  let c = 0;
  for (; c + 3 < n; c += 4) {
    G[g + c] += k * X[x + c];
    G[g + c + 1] += k * X[x + c + 1];
    G[g + c + 2] += k * X[x + c + 2];
    G[g + c + 3] += k * X[x + c + 3];
  }
  for (; c < n; c++) G[g + c] += k * X[x + c];
}

function corrForward(l: tf.Tensor4D, r: tf.Tensor4D, minK: number, K: number): tf.Tensor4D {
  const [B, H, W, C] = l.shape;
  return compute([B, H, W, K], [l, r], (O, L, R) => {
    const inv = 1 / C;
    for (let row = 0; row < B * H; row++) {
      const base = row * W * C;
      for (let x = 0; x < W; x++) {
        const lo = base + x * C;
        const ob = (row * W + x) * K;
        for (let i = 0; i < K; i++) {
          const xr = x - (minK + i);
          O[ob + i] = xr >= 0 && xr < W ? dot(L, lo, R, base + xr * C, C) * inv : 0;
        }
      }
    }
  });
}

/** Both gradients in one pass: d/d left[x,c] = 1/C sum_i dy[x,i] right[x - k_i,c]; d/d right[x - k_i,c] += 1/C dy[x,i] left[x,c]. */
function corrBackward(dy: tf.Tensor4D, l: tf.Tensor4D, r: tf.Tensor4D, minK: number): [tf.Tensor4D, tf.Tensor4D] {
  const [B, H, W, C] = l.shape;
  const K = dy.shape[3];
  const gL = compute(l.shape, [dy, r], (G, D, R) => {
    const inv = 1 / C;
    for (let row = 0; row < B * H; row++) {
      const base = row * W * C;
      for (let x = 0; x < W; x++) {
        const go = base + x * C;
        const db = (row * W + x) * K;
        for (let c = 0; c < C; c++) G[go + c] = 0;
        for (let i = 0; i < K; i++) {
          const xr = x - (minK + i);
          if (xr < 0 || xr >= W) continue;
          axpy(G, go, D[db + i] * inv, R, base + xr * C, C);
        }
      }
    }
  });
  const gR = compute(l.shape, [dy, l], (G, D, L) => {
    const inv = 1 / C;
    for (let row = 0; row < B * H; row++) {
      const base = row * W * C;
      for (let x = 0; x < W; x++) {
        const lo = base + x * C;
        const db = (row * W + x) * K;
        for (let i = 0; i < K; i++) {
          const xr = x - (minK + i);
          if (xr < 0 || xr >= W) continue;
          axpy(G, base + xr * C, D[db + i] * inv, L, lo, C);
        }
      }
    }
  }, true);
  return [gL, gR];
}

/** correlation1d of src/core/correlation.ts with its custom gradient. */
export const correlation1dWasm = correlationFromKernels({ forward: corrForward, backward: corrBackward });
