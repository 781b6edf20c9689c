// The 1-D correlation and the horizontal warp, forward and backward, as plain loops over the wasm
// backend's heap (registered for 'wasm' through src/core/accelerated.ts; the stock-op versions in
// correlation.ts and warp.ts stay the reference and run on cpu and webgl).
//
// Why: with stock ops each call is a chain of pads, slices, gathers, products and a scatter, each
// one a wasm kernel call with its own copy of the data. Timed alone on wasm at the shapes of a
// stage-1 step (default preset, 256x128, batch 2, both views), the four correlations and four
// feature warps with their gradients plus the ten image warps took about as long as all the
// step's convolutions. A loop that reads the inputs where they are and writes each output once
// does the same arithmetic (a few million multiply-adds) in a few milliseconds.
//
// The loops run on the page's or worker's JS thread, like every wasm kernel of tfjs here (one wasm
// thread in Node and on a 2-core machine). Values and gradients match the stock versions to
// float rounding (src/core/wasmOps.test.ts).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerAccelerated, warpFromKernels } from './accelerated';
import { customOp } from './customGrad';
import type { DispT } from './types';

interface WasmTensorInfo { dataId: object; shape: number[]; dtype: tf.DataType }
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): tf.TypedArray;
}

const backend = () => tf.backend() as unknown as WasmBackendLike;

/** A new float32 tensor of `shape` on the wasm heap, filled by `fill` through views of it and of `inputs` (taken after the allocation, which may grow the heap). */
function compute(shape: number[], inputs: tf.Tensor[], fill: (out: Float32Array, ...ins: Float32Array[]) => void, zero = false): tf.Tensor4D {
  for (const t of inputs) if (t.dtype !== 'float32') throw new Error(`wasmOps: expected float32 inputs, got ${t.dtype}`);
  const b = backend();
  const info = b.makeOutput(shape, 'float32');
  const out = b.typedArrayFromHeap(info) as Float32Array;
  if (zero) out.fill(0);
  fill(out, ...inputs.map((t) => b.typedArrayFromHeap(t as unknown as WasmTensorInfo) as Float32Array));
  return tf.engine().makeTensorFromTensorInfo(info as unknown as tf.TensorInfo) as tf.Tensor4D;
}

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

function correlation1dWasm(fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number, maxK: number): tf.Tensor4D {
  const K = maxK - minK + 1;
  return customOp<tf.Tensor4D>(([l, r], save) => {
    save([l, r]);
    return {
      value: corrForward(l as tf.Tensor4D, r as tf.Tensor4D, minK, K),
      gradFunc: (dy, [ls, rs]) => corrBackward(dy as tf.Tensor4D, ls as tf.Tensor4D, rs as tf.Tensor4D, minK),
    };
  })(fL, fR);
}

// ---- warp: out[b,y,x,c] = img at x + sign * d(b,y,x), linear along x, clamped to [0, W-1] -----

/** Calls `f(pixel, rowBase, x0, w1, inside)` for every output pixel: its sample position as in warp.ts. */
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

registerAccelerated('wasm', { correlation1d: correlation1dWasm, warpH: warpFromKernels({ forward: warpForward, gradDisp: warpGradDisp, gradImage: warpGradImage }) });
