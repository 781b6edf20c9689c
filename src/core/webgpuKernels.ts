// WGSL kernels for WebGPU, each with its gradient: the 1-D correlation and the horizontal warp
// (stock tfjs has no single kernel for them: chains of slices, gathers and a scatter), the
// photometric error, the edge-aware smoothness, the disparity upsampling, the conv layer's backward
// pass and Adam. On a real GPU the step is bound by encoding dispatches (BENCHMARKS.md, "A real-GPU step is bound by
// its dispatches, not by the GPU"),
// so each replaces a chain of stock kernels by one or a few. Registered for the 'webgpu' backend
// through src/core/accelerated.ts; the stock-op versions stay the reference and run on every other
// backend (e2e/kernels.spec.ts compares values and gradients of both on random inputs).
import * as tf from '@tensorflow/tfjs';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { LRELU_SLOPE, registerAccelerated, warpFromKernels } from './accelerated';
import type { AdamStep } from './adam';
import { customOp } from './customGrad';
import { fusedConvAct, type ConvActivation } from './fusedConv';
import { SSIM_WEIGHT } from './photometric';
import { SSIM_C1, SSIM_C2 } from './ssim';
import type { DispT } from './types';

type Uniform = { type: 'int32' | 'float32'; data: number[] };

/**
 * A one-output-element-per-thread program: `body` sees `index` and, unless `flat`, the rank-4 output
 * `coords` of that element.
 */
function program(key: string, variableNames: string[], outputShape: number[], uniforms: string, body: string, flat = false): WebGPUProgram {
  const dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
  const workgroupSize: [number, number, number] = [64, 1, 1];
  return {
    shaderKey: key,
    variableNames,
    outputShape,
    uniforms,
    size: true,
    workgroupSize,
    dispatchLayout,
    dispatch: webgpu_util.computeDispatch(dispatchLayout, outputShape, workgroupSize),
    // the key as a comment: tools that see only the WGSL (e2e/pages/kernels.ts counts dispatches by program) can name it
    getUserCode: () => `
      // ${key}
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${flat ? '' : 'let coords = getCoordsFromIndex(index);'}
          ${body}
        }
      }`,
  };
}

function run(p: WebGPUProgram, inputs: tf.Tensor[], uniforms: Uniform[]): tf.Tensor4D {
  const backend = tf.backend() as unknown as WebGPUBackend;
  const info = backend.runWebGPUProgram(p, inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}

// ---- correlation: cost[b,y,x,i] = mean_c left[b,y,x,c] * right[b,y,x - (minK + i),c] ----------

const CORR = `
  let C = uniforms.leftShape[3];
  let W = uniforms.leftShape[2];`;

function corrForward(l: tf.Tensor4D, r: tf.Tensor4D, minK: number, K: number): tf.Tensor4D {
  const [B, H, W] = l.shape;
  const p = program('rd_corr_fwd', ['left', 'right'], [B, H, W, K], 'minK : i32,', `${CORR}
    let xr = coords[2] - (uniforms.minK + coords[3]);
    var s = 0.0;
    if (xr >= 0 && xr < W) {
      let lb = getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], coords[2], 0), uniforms.leftShape);
      let rb = getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], xr, 0), uniforms.rightShape);
      for (var c = 0; c < C; c++) { s = s + left[lb + c] * right[rb + c]; }
    }
    setOutputAtIndex(index, s / f32(C));`);
  return run(p, [l, r], [{ type: 'int32', data: [minK] }]);
}

/** d/d left[b,y,x,c] = 1/C sum_i dy[b,y,x,i] right[b,y,x - k_i,c]. */
function corrGradLeft(dy: tf.Tensor4D, r: tf.Tensor4D, minK: number): tf.Tensor4D {
  // (every input must be read by the shader: an unused binding breaks the pipeline layout)
  const p = program('rd_corr_gl', ['dy', 'right'], r.shape, 'minK : i32,', `
    let C = uniforms.rightShape[3];
    let W = uniforms.rightShape[2];
    let K = uniforms.dyShape[3];
    var s = 0.0;
    for (var i = 0; i < K; i++) {
      let xr = coords[2] - (uniforms.minK + i);
      if (xr >= 0 && xr < W) {
        s = s + dy[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], coords[2], i), uniforms.dyShape)]
              * right[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], xr, coords[3]), uniforms.rightShape)];
      }
    }
    setOutputAtIndex(index, s / f32(C));`);
  return run(p, [dy, r], [{ type: 'int32', data: [minK] }]);
}

/** d/d right[b,y,x',c] = 1/C sum_i dy[b,y,x' + k_i,i] left[b,y,x' + k_i,c]. */
function corrGradRight(dy: tf.Tensor4D, l: tf.Tensor4D, minK: number): tf.Tensor4D {
  const p = program('rd_corr_gr', ['dy', 'left'], l.shape, 'minK : i32,', `${CORR}
    let K = uniforms.dyShape[3];
    var s = 0.0;
    for (var i = 0; i < K; i++) {
      let x = coords[2] + uniforms.minK + i;
      if (x >= 0 && x < W) {
        s = s + dy[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], x, i), uniforms.dyShape)]
              * left[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], x, coords[3]), uniforms.leftShape)];
      }
    }
    setOutputAtIndex(index, s / f32(C));`);
  return run(p, [dy, l], [{ type: 'int32', data: [minK] }]);
}

function correlation1dWebGPU(fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number, maxK: number): tf.Tensor4D {
  const K = maxK - minK + 1;
  return customOp<tf.Tensor4D>(([l, r], save) => {
    save([l, r]);
    return {
      value: corrForward(l as tf.Tensor4D, r as tf.Tensor4D, minK, K),
      gradFunc: (dy, [ls, rs]) => [
        corrGradLeft(dy as tf.Tensor4D, rs as tf.Tensor4D, minK),
        corrGradRight(dy as tf.Tensor4D, ls as tf.Tensor4D, minK),
      ],
    };
  })(fL, fR);
}

// ---- warp: out[b,y,x,c] = img at x + sign * d(b,y,x), linear along x, clamped to [0, W-1] -----

/** The sample position of output pixel (b, y, x): x0, its weight w1 and whether it was inside. */
const SAMPLE = `
  let W = uniforms.imgShape[2];
  let d = disp[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], coords[2], 0), uniforms.dispShape)];
  let xsRaw = f32(coords[2]) + uniforms.sign * d;
  let xs = clamp(xsRaw, 0.0, f32(W - 1));
  let x0f = clamp(floor(xs), 0.0, f32(W - 2));
  let x0 = i32(x0f);
  let w1 = xs - x0f;`;

function warpForward(img: tf.Tensor4D, d: DispT, sign: number): tf.Tensor4D {
  const p = program('rd_warp_fwd', ['img', 'disp'], img.shape, 'sign : f32,', `${SAMPLE}
    let v0 = img[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], x0, coords[3]), uniforms.imgShape)];
    let v1 = img[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], x0 + 1, coords[3]), uniforms.imgShape)];
    setOutputAtIndex(index, v0 + w1 * (v1 - v0));`);
  return run(p, [img, d], [{ type: 'float32', data: [sign] }]);
}

/** d/d disp[b,y,x] = sign * sum_c dy * (img[x0 + 1] - img[x0]), 0 where the sample was clamped. */
function warpGradDisp(dy: tf.Tensor4D, img: tf.Tensor4D, d: DispT, sign: number): tf.Tensor4D {
  const p = program('rd_warp_gd', ['dy', 'img', 'disp'], d.shape, 'sign : f32,', `${SAMPLE}
    var s = 0.0;
    if (xsRaw >= 0.0 && xsRaw <= f32(W - 1)) {
      let C = uniforms.imgShape[3];
      let b0 = getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], x0, 0), uniforms.imgShape);
      let b1 = getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], x0 + 1, 0), uniforms.imgShape);
      let bd = getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], coords[2], 0), uniforms.dyShape);
      for (var c = 0; c < C; c++) { s = s + dy[bd + c] * (img[b1 + c] - img[b0 + c]); }
    }
    setOutputAtIndex(index, uniforms.sign * s);`);
  return run(p, [dy, img, d], [{ type: 'float32', data: [sign] }]);
}

/**
 * d/d img[b,y,x',c] = sum over the row's output pixels x that sampled x' of dy * its weight.
 * A gather over the row (no float atomics in WGSL): W reads per output element.
 */
function warpGradImage(dy: tf.Tensor4D, d: DispT, sign: number): tf.Tensor4D {
  const p = program('rd_warp_gi', ['dy', 'disp'], dy.shape, 'sign : f32,', `
    let W = uniforms.dyShape[2];
    let xt = coords[2];
    var s = 0.0;
    for (var x = 0; x < W; x++) {
      let d = disp[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], x, 0), uniforms.dispShape)];
      let xs = clamp(f32(x) + uniforms.sign * d, 0.0, f32(W - 1));
      let x0f = clamp(floor(xs), 0.0, f32(W - 2));
      let x0 = i32(x0f);
      let w1 = xs - x0f;
      if (x0 == xt || x0 + 1 == xt) {
        let g = dy[getIndexFromCoords4D(vec4<i32>(coords[0], coords[1], x, coords[3]), uniforms.dyShape)];
        s = s + g * select(w1, 1.0 - w1, x0 == xt);
      }
    }
    setOutputAtIndex(index, s);`);
  return run(p, [dy, d], [{ type: 'float32', data: [sign] }]);
}

// ---- photometric error: rho = mean_c 0.85 * clip((1 - SSIM) / 2, 0, 1) + 0.15 * |a - b| ---------
// SSIM over 3x3 windows with the image's border pixels repeated (src/core/ssim.ts). The stock ops
// are ~30 dispatches forward and ~60 more for the gradient, per scale and view batch of stage 1.

const f32Lit = (x: number) => (Number.isInteger(x) ? `${x}.0` : `${x}`);

/** WGSL: the window statistics of the 3x3 window centred at (py, px), channel c of item n. */
const SSIM_WINDOW = `
  var sa = 0.0; var sb = 0.0; var saa = 0.0; var sbb = 0.0; var sab = 0.0;
  for (var oy = -1; oy <= 1; oy++) {
    let yy = clamp(py + oy, 0, H - 1);
    for (var ox = -1; ox <= 1; ox++) {
      let i = getIndexFromCoords4D(vec4<i32>(n, yy, clamp(px + ox, 0, W - 1), c), uniforms.aShape);
      let va = a[i];
      let vb = b[i];
      sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
    }
  }
  let muA = sa / 9.0; let muB = sb / 9.0; let mAA = saa / 9.0; let mBB = sbb / 9.0; let mAB = sab / 9.0;
  let muAB = muA * muB;
  let u = muAB + ${f32Lit(SSIM_C1 / 2)};
  let v = (mAB - muAB) + ${f32Lit(SSIM_C2 / 2)};
  let num = u * v;
  let sq = muA * muA + muB * muB;
  let P = sq + ${f32Lit(SSIM_C1)};
  let Q = ((mAA + mBB) - sq) + ${f32Lit(SSIM_C2)};
  let den = P * Q;
  let D = 0.5 - (num / den) * 2.0;`;

const PHOTO_DIMS = `
  let n = coords[0];
  let H = uniforms.aShape[1];
  let W = uniforms.aShape[2];
  let C = uniforms.aShape[3];`;

function photoForward(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W] = a.shape;
  const p = program('rd_photo_fwd', ['a', 'b'], [B, H, W, 1], '', `${PHOTO_DIMS}
    let py = coords[1];
    let px = coords[2];
    var acc = 0.0;
    for (var c = 0; c < C; c++) {${SSIM_WINDOW}
      let ic = getIndexFromCoords4D(vec4<i32>(n, py, px, c), uniforms.aShape);
      acc += ${f32Lit(SSIM_WEIGHT)} * clamp(D, 0.0, 1.0) + ${f32Lit(1 - SSIM_WEIGHT)} * abs(a[ic] - b[ic]);
    }
    setOutputAtIndex(index, acc / f32(C));`);
  return run(p, [a, b], []);
}

/**
 * d rho / d a (wrt = 0) or d b (wrt = 1) at pixel r, channel c: the sum over the (up to 9) windows
 * that read r, each window's statistics recomputed (no intermediate buffer, one dispatch), with
 * the number of times the window reads r through the repeated border; plus the L1 term at r.
 * The clip passes the gradient where 0 <= D <= 1 and |x|' is 1 for x > 0, else -1, as tfjs's own
 * gradients do, so every backend trains the same.
 */
function photoGrad(g: tf.Tensor4D, a: tf.Tensor4D, b: tf.Tensor4D, wrt: 0 | 1): tf.Tensor4D {
  const p = program('rd_photo_grad', ['g', 'a', 'b'], a.shape, 'wrt : i32,', `${PHOTO_DIMS}
    let ry = coords[1];
    let rx = coords[2];
    let c = coords[3];
    let ir = getIndexFromCoords4D(coords, uniforms.aShape);
    let ar = a[ir];
    let br = b[ir];
    // the input the gradient is for, and the other one
    let xr = select(br, ar, uniforms.wrt == 0);
    let yr = select(ar, br, uniforms.wrt == 0);
    let wC = 1.0 / f32(C);
    var s = 0.0;
    for (var py = max(ry - 1, 0); py <= min(ry + 1, H - 1); py++) {
      let cy = f32(i32(clamp(py - 1, 0, H - 1) == ry) + i32(py == ry) + i32(clamp(py + 1, 0, H - 1) == ry));
      for (var px = max(rx - 1, 0); px <= min(rx + 1, W - 1); px++) {
        let cx = f32(i32(clamp(px - 1, 0, W - 1) == rx) + i32(px == rx) + i32(clamp(px + 1, 0, W - 1) == rx));${SSIM_WINDOW}
        if (D >= 0.0 && D <= 1.0) {
          let gp = g[getIndexFromCoords4D(vec4<i32>(n, py, px, 0), uniforms.gShape)] * ${f32Lit(SSIM_WEIGHT)} * wC;
          let dNum = -2.0 / den;
          let dDen = 2.0 * num / (den * den);
          // d D / d (mean of x), d D / d (mean of x^2), d D / d (mean of x y), x the input differentiated
          let muX = select(muB, muA, uniforms.wrt == 0);
          let muY = select(muA, muB, uniforms.wrt == 0);
          let gMu = dNum * muY * (v - u) + dDen * 2.0 * muX * (Q - P);
          let gSq = dDen * P;
          let gXY = dNum * u;
          s += gp * (cy * cx / 9.0) * (gMu + 2.0 * xr * gSq + yr * gXY);
        }
      }
    }
    let gl1 = g[getIndexFromCoords4D(vec4<i32>(n, ry, rx, 0), uniforms.gShape)] * ${f32Lit(1 - SSIM_WEIGHT)} * wC;
    let sgn = select(-1.0, 1.0, ar - br > 0.0);
    s += select(-gl1 * sgn, gl1 * sgn, uniforms.wrt == 0);
    setOutputAtIndex(index, s);`);
  return run(p, [g, a, b], [{ type: 'int32', data: [wrt] }]);
}

function photometricErrorWebGPU(a: tf.Tensor4D, b: tf.Tensor4D, gradA: boolean): tf.Tensor4D {
  if (!gradA) {
    // `a` is a constant: an op of b alone, so no zero gradient for `a` is made and added up
    return customOp<tf.Tensor4D>(([bi], save) => {
      save([a, bi]);
      return {
        value: photoForward(a, bi as tf.Tensor4D),
        gradFunc: (dy, [as, bs]) => photoGrad(dy as tf.Tensor4D, as as tf.Tensor4D, bs as tf.Tensor4D, 1),
      };
    })(b);
  }
  return customOp<tf.Tensor4D>(([ai, bi], save) => {
    save([ai, bi]);
    return {
      value: photoForward(ai as tf.Tensor4D, bi as tf.Tensor4D),
      gradFunc: (dy, [as, bs]) => [
        photoGrad(dy as tf.Tensor4D, as as tf.Tensor4D, bs as tf.Tensor4D, 0),
        photoGrad(dy as tf.Tensor4D, as as tf.Tensor4D, bs as tf.Tensor4D, 1),
      ],
    };
  })(a, b);
}

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

function smoothnessMapWebGPU(dispPx: tf.Tensor4D, img: tf.Tensor4D): tf.Tensor4D {
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

// ---- bilinear 2x upsampling of a one-channel map, edges replicated, times a scale ---------------
// Output row Y reads input rows Y/2 - 1 and Y/2 with weights 0.25, 0.75 (Y even) or Y/2 and Y/2 + 1
// with 0.75, 0.25 (Y odd), clamped to the map; the same along x (src/core/resize.ts).

/** WGSL: the two taps (clamped indices <v>a, <v>b) and their weights <v>wa, <v>wb of output coordinate O along an axis of length n. */
const UP_TAPS = (O: string, n: string, v: string) => `
    let ${v}i = ${O} / 2;
    let ${v}even = ${O} % 2 == 0;
    let ${v}a = clamp(select(${v}i, ${v}i - 1, ${v}even), 0, ${n} - 1);
    let ${v}b = clamp(select(${v}i + 1, ${v}i, ${v}even), 0, ${n} - 1);
    let ${v}wa = select(0.75, 0.25, ${v}even);
    let ${v}wb = 1.0 - ${v}wa;`;

function upsampleForward(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  const [B, h, w, C] = x.shape;
  const p = program('rd_up2_fwd', ['x'], [B, 2 * h, 2 * w, C], 'scale : f32,', `
    let n = coords[0];
    let c = coords[3];
    ${UP_TAPS('coords[1]', 'uniforms.xShape[1]', 'y')}
    ${UP_TAPS('coords[2]', 'uniforms.xShape[2]', 'x')}
    let s = ywa * (xwa * x[getIndexFromCoords4D(vec4<i32>(n, ya, xa, c), uniforms.xShape)] + xwb * x[getIndexFromCoords4D(vec4<i32>(n, ya, xb, c), uniforms.xShape)])
      + ywb * (xwa * x[getIndexFromCoords4D(vec4<i32>(n, yb, xa, c), uniforms.xShape)] + xwb * x[getIndexFromCoords4D(vec4<i32>(n, yb, xb, c), uniforms.xShape)]);
    setOutputAtIndex(index, uniforms.scale * s);`);
  return run(p, [x], [{ type: 'float32', data: [scale] }]);
}

/** d/d x(r, q): the output pixels whose taps land on (r, q) (rows 2r - 1 to 2r + 2, the same for columns), by their weights. */
function upsampleGrad(dy: tf.Tensor4D, xShape: [number, number, number, number], scale: number): tf.Tensor4D {
  const p = program('rd_up2_grad', ['dy'], xShape, 'scale : f32, h : i32, w : i32,', `
    let n = coords[0];
    let r = coords[1];
    let q = coords[2];
    let c = coords[3];
    var s = 0.0;
    for (var Y = max(2 * r - 1, 0); Y <= min(2 * r + 2, 2 * uniforms.h - 1); Y++) {
      ${UP_TAPS('Y', 'uniforms.h', 'y')}
      let wy = select(0.0, ywa, ya == r) + select(0.0, ywb, yb == r);
      for (var X = max(2 * q - 1, 0); X <= min(2 * q + 2, 2 * uniforms.w - 1); X++) {
        ${UP_TAPS('X', 'uniforms.w', 'x')}
        let wx = select(0.0, xwa, xa == q) + select(0.0, xwb, xb == q);
        s += wy * wx * dy[getIndexFromCoords4D(vec4<i32>(n, Y, X, c), uniforms.dyShape)];
      }
    }
    setOutputAtIndex(index, uniforms.scale * s);`);
  return run(p, [dy], [{ type: 'float32', data: [scale] }, { type: 'int32', data: [xShape[1]] }, { type: 'int32', data: [xShape[2]] }]);
}

function upsampleBilinear2xWebGPU(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  return customOp<tf.Tensor4D>(([xi]) => ({
    value: upsampleForward(xi as tf.Tensor4D, scale),
    gradFunc: (dy) => upsampleGrad(dy as tf.Tensor4D, xi.shape as [number, number, number, number], scale),
  }))(x);
}

// ---- Adam: the moments and the weight in three flat elementwise dispatches per variable ---------

/** An elementwise program over `size` values, one thread per value. */
const flat = (key: string, variableNames: string[], size: number, uniforms: string, body: string) => program(key, variableNames, [size], uniforms, body, true);

/**
 * [w', m', v'] of adamUpdateOps (src/core/adam.ts) in three dispatches instead of 14: the two
 * moments from (m, g) and (v, g), then the weight from (w, m', v').
 */
function adamUpdateWebGPU(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, k: AdamStep): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const n = w.size;
  const [w1d, g1d, m1d, v1d] = [w, g, m, v].map((t) => tf.reshape(t, [n])); // free: a reshape dispatches nothing
  const f = (x: number): Uniform => ({ type: 'float32', data: [x] });
  // 1 - beta is computed here in double, as the stock ops do (1 - 0.999 in f32 is off by 1e-5)
  const m1 = run(flat('rd_adam_m', ['m', 'g'], n, 'b : f32, nb : f32,', `setOutputAtIndex(index, uniforms.b * m[index] + uniforms.nb * g[index]);`), [m1d, g1d], [f(k.beta1), f(1 - k.beta1)]);
  const v1 = run(flat('rd_adam_v', ['v', 'g'], n, 'b : f32, nb : f32,', `setOutputAtIndex(index, uniforms.b * v[index] + uniforms.nb * (g[index] * g[index]));`), [v1d, g1d], [f(k.beta2), f(1 - k.beta2)]);
  const w1 = run(flat('rd_adam_w', ['w', 'm', 'v'], n, 'lr : f32, c1 : f32, c2 : f32, eps : f32,',
    `setOutputAtIndex(index, w[index] - uniforms.lr * ((m[index] / uniforms.c1) / (sqrt(v[index] / uniforms.c2) + uniforms.eps)));`),
  [w1d, m1, v1], [f(k.lr), f(k.c1), f(k.c2), f(k.epsilon)]);
  const out = [w1, m1, v1].map((t) => tf.reshape(t, w.shape)) as [tf.Tensor, tf.Tensor, tf.Tensor];
  tf.dispose([w1d, g1d, m1d, v1d, w1, m1, v1]);
  return out;
}

// ---- conv layer backward: dz from the activation, then the filter and bias gradients -------------
// Stock ops: step and mul for dz; a transpose and a reduction for the bias sum; and for the filter
// gradient below, its partial sums and another transpose and reduction: 7 dispatches a layer. Here 4.

/** dz = dy where y > 0, else slope * dy (y the activation's output: its sign tells all), in one dispatch. */
function activationGradWebGPU(dy: tf.Tensor4D, y: tf.Tensor4D, act: ConvActivation): tf.Tensor4D {
  if (act === 'linear') return dy;
  const slope = act === 'relu' ? 0 : LRELU_SLOPE;
  return run(program('rd_act_grad', ['dy', 'y'], dy.shape, 'slope : f32,', 'setOutputAtIndex(index, select(uniforms.slope, 1.0, y[index] > 0.0) * dy[index]);', true),
    [dy, y], [{ type: 'float32', data: [slope] }]);
}

// conv filter gradient: dw[kh,kw,ci,co] = sum_{b,yo,xo} x[b, yo*s+kh-pad, xo*s+kw-pad, ci] dz[b,yo,xo,co].
// tfjs's Conv2DBackpropFilter on WebGPU runs one thread per filter element, each looping over every
// output pixel: a 3x3x32x32 filter is 9,216 threads, far too few for a GPU (on an H200 it was 85 % of a
// 1216x256 stage-1 step). Here the sum is split by rows as well: S chunks of output rows, one thread
// per (chunk, filter element), partial sums [S, F], then one sum over S. The bias gradient
// db[co] = sum_{b,yo,xo} dz[b,yo,xo,co] rides along as Co more "filter elements" of each chunk.

/** Threads to aim for per filter gradient (enough to fill a large GPU, few enough partials to sum). */
const FILTER_GRAD_THREADS = 1 << 18;

/** [dw, db] of a conv layer in three dispatches: the chunks' partial sums, then their sums for dw and for db. */
export function filterBiasGradWebGPU(xin: tf.Tensor4D, dz: tf.Tensor4D, k: number, stride: number, pad: number): [tf.Tensor4D, tf.Tensor1D] {
  const [B, Ho] = dz.shape;
  const [Ci, Co] = [xin.shape[3], dz.shape[3]];
  const F = k * k * Ci * Co;
  const FB = F + Co;
  const rows = B * Ho;
  const rowsPerChunk = Math.ceil(rows / Math.min(rows, Math.max(1, Math.ceil(FILTER_GRAD_THREADS / FB))));
  const S = Math.ceil(rows / rowsPerChunk);
  const i = (x: number): Uniform => ({ type: 'int32', data: [x] });
  return tf.tidy(() => {
    const partial = run(flat('rd_conv_dwb', ['x', 'dy'], S * FB, 'k : i32, stride : i32, pad : i32, rowsPerChunk : i32, F : i32, FB : i32,', `
      let Hi = uniforms.xShape[1];
      let Wi = uniforms.xShape[2];
      let Ci = uniforms.xShape[3];
      let Ho = uniforms.dyShape[1];
      let Wo = uniforms.dyShape[2];
      let Co = uniforms.dyShape[3];
      let chunk = index / uniforms.FB;
      let f = index - chunk * uniforms.FB;
      let r0 = chunk * uniforms.rowsPerChunk;
      let r1 = min(r0 + uniforms.rowsPerChunk, uniforms.dyShape[0] * Ho);
      var acc = 0.0;
      if (f >= uniforms.F) {
        // the bias: this chunk's sum of dz in channel co
        let co = f - uniforms.F;
        for (var r = r0; r < r1; r++) {
          for (var xo = 0; xo < Wo; xo++) { acc += dy[(r * Wo + xo) * Co + co]; }
        }
      } else {
        let co = f % Co;
        let ci = (f / Co) % Ci;
        let kk = f / (Co * Ci);
        let kw = kk % uniforms.k;
        let kh = kk / uniforms.k;
        // output columns whose input column lies inside the image
        let xo0 = max(0, (uniforms.pad - kw + uniforms.stride - 1) / uniforms.stride);
        let xo1 = min(Wo, (Wi - 1 + uniforms.pad - kw) / uniforms.stride + 1);
        for (var r = r0; r < r1; r++) {
          let yo = r % Ho;
          let yi = yo * uniforms.stride + kh - uniforms.pad;
          if (yi >= 0 && yi < Hi) {
            let xrow = ((r / Ho) * Hi + yi) * Wi;
            for (var xo = xo0; xo < xo1; xo++) {
              acc += x[(xrow + xo * uniforms.stride + kw - uniforms.pad) * Ci + ci] * dy[(r * Wo + xo) * Co + co];
            }
          }
        }
      }
      setOutputAtIndex(index, acc);`), [xin, dz], [i(k), i(stride), i(pad), i(rowsPerChunk), i(F), i(FB)]);
    // out[j] = sum over the S chunks of partial[chunk, off + j]
    const sumChunks = (off: number, n: number) => run(flat('rd_sum_chunks', ['p'], n, 'S : i32, FB : i32, off : i32,', `
      var s = 0.0;
      for (var c = 0; c < uniforms.S; c++) { s += p[c * uniforms.FB + uniforms.off + index]; }
      setOutputAtIndex(index, s);`), [partial], [i(S), i(FB), i(off)]);
    return [tf.reshape(sumChunks(0, F), [k, k, Ci, Co]) as tf.Tensor4D, sumChunks(F, Co) as unknown as tf.Tensor1D];
  });
}

registerAccelerated('webgpu', {
  adamUpdate: adamUpdateWebGPU,
  correlation1d: correlation1dWebGPU,
  photometricError: photometricErrorWebGPU,
  smoothnessMap: smoothnessMapWebGPU,
  upsampleBilinear2x: upsampleBilinear2xWebGPU,
  warpH: warpFromKernels({ forward: warpForward, gradDisp: warpGradDisp, gradImage: warpGradImage }),
  convAct: (x, w, b, stride, act, inputGrad) => fusedConvAct(x, w, b, stride, act, inputGrad, { activationGrad: activationGradWebGPU, filterBiasGrad: filterBiasGradWebGPU }),
});
