// The edge-aware smoothness (src/core/smoothness.ts) in WGSL, its mean normalisation included: one
// dispatch forward, one for the gradient. e2e/kernels.spec.ts compares values, gradients and dispatch
// counts with the stock-op version.
import * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { customOp } from '../../core/customGrad';
import { program, run } from './program';

// ---- smoothness: sum of the map = mean |gx(dn)| exp(-mean_c |gx(I)|) + the same along y -------------
// (src/core/smoothness.ts), dn = d / (mean(d) + 1e-7) per image. The term of the edge between pixel
// (y, x) and its right (lower) neighbour is stored at (y, x). Stock ops: ~18 dispatches with gradients.

/**
 * WGSL: for the edge from (y, x) to (y2, x2) of item n, (d(y, x) - d(y2, x2), exp(-mean_c |I(y, x) - I(y2, x2)|));
 * and |v|' as tfjs takes it: 1 for v > 0, else -1.
 */
const SMOOTH_FNS = `
  fn rdSgn(v : f32) -> f32 { return select(-1.0, 1.0, v > 0.0); }
  fn rdEdge(n : i32, y : i32, x : i32, y2 : i32, x2 : i32) -> vec2<f32> {
    let C = uniforms.imgShape[3];
    var s = 0.0;
    for (var c = 0; c < C; c++) {
      s += abs(img[getIndexFromCoords4D(vec4<i32>(n, y, x, c), uniforms.imgShape)] - img[getIndexFromCoords4D(vec4<i32>(n, y2, x2, c), uniforms.imgShape)]);
    }
    let dd = d[getIndexFromCoords4D(vec4<i32>(n, y, x, 0), uniforms.dShape)] - d[getIndexFromCoords4D(vec4<i32>(n, y2, x2, 0), uniforms.dShape)];
    return vec2<f32>(dd, exp(-(s / f32(C))));
  }`;

const SMOOTH_DIMS = `
  let n = coords[0];
  let y = coords[1];
  let x = coords[2];
  let B = uniforms.dShape[0];
  let H = uniforms.dShape[1];
  let W = uniforms.dShape[2];
  // the two means' counts: B H (W - 1) horizontal edges, B (H - 1) W vertical ones
  let nx = f32(B * H * (W - 1));
  let ny = f32(B * (H - 1) * W);
  // the normalisation: 1 / (the item's mean disparity + 1e-7)
  let inv = 1.0 / (mu[n] + 1e-7);`;

/** A program with SMOOTH_FNS before its main function. */
function smoothProgram(key: string, inputs: string[], outputShape: number[], body: string): WebGPUProgram {
  const p = program(key, inputs, outputShape, '', body);
  return { ...p, getUserCode: () => `${SMOOTH_FNS}\n${p.getUserCode()}` };
}

function smoothForward(d: tf.Tensor4D, img: tf.Tensor4D, mu: tf.Tensor): tf.Tensor4D {
  return run(smoothProgram('rd_smooth_fwd', ['d', 'img', 'mu'], d.shape, `${SMOOTH_DIMS}
    var s = 0.0;
    if (x < W - 1) { let e = rdEdge(n, y, x, y, x + 1); s += abs(e.x * inv) * e.y / nx; }
    if (y < H - 1) { let e = rdEdge(n, y, x, y + 1, x); s += abs(e.x * inv) * e.y / ny; }
    setOutputAtIndex(index, s);`), [d, img, mu], []);
}

/**
 * d/d d(y, x). Through dn directly: the (up to four) edges that touch the pixel, each through its
 * stored term's g, times inv. Through the mean: the map is of degree 1 in dn, so
 * sum_j dn_j d(sum g m)/d dn_j = r = sum_p g_p m_p (the item's), and that path adds -r inv / (H W).
 */
function smoothGradD(g: tf.Tensor4D, d: tf.Tensor4D, img: tf.Tensor4D, mu: tf.Tensor, r: tf.Tensor): tf.Tensor4D {
  return run(smoothProgram('rd_smooth_gd', ['g', 'd', 'img', 'mu', 'r'], d.shape, `${SMOOTH_DIMS}
    let gi = getIndexFromCoords4D(vec4<i32>(n, y, x, 0), uniforms.gShape);
    var s = 0.0;
    if (x < W - 1) { let e = rdEdge(n, y, x, y, x + 1); s += g[gi] * rdSgn(e.x * inv) * e.y / nx; }
    if (x > 0) { let e = rdEdge(n, y, x - 1, y, x); s -= g[gi - 1] * rdSgn(e.x * inv) * e.y / nx; }
    if (y < H - 1) { let e = rdEdge(n, y, x, y + 1, x); s += g[gi] * rdSgn(e.x * inv) * e.y / ny; }
    if (y > 0) { let e = rdEdge(n, y - 1, x, y, x); s -= g[gi - W] * rdSgn(e.x * inv) * e.y / ny; }
    setOutputAtIndex(index, inv * (s - r[n] / f32(H * W)));`), [g, d, img, mu, r], []);
}

/** The smoothness map of src/core/smoothness.ts (its sum is the loss) with the disparity's gradient. */
export function smoothnessMapWebGPU(dispPx: tf.Tensor4D, img: tf.Tensor4D): tf.Tensor4D {
  // the image is a constant: an op of the disparity alone (the image is saved, not only closed over:
  // a loss may dispose it, e.g. at the end of a tidy, before the backward pass runs)
  return customOp<tf.Tensor4D>(([di], save) => {
    const mu = tf.mean(di, [1, 2, 3]);
    const value = smoothForward(di as tf.Tensor4D, img, mu);
    save([di, mu, value, img]);
    return {
      value,
      gradFunc: (dy, [ds, mus, m, is]) => smoothGradD(dy as tf.Tensor4D, ds as tf.Tensor4D, is as tf.Tensor4D, mus, tf.sum(tf.mul(dy, m), [1, 2, 3])),
    };
  })(dispPx);
}
