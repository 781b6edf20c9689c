// The photometric error (src/core/photometric.ts: SSIM and L1, channel mean) in WGSL: one dispatch
// forward and one per gradient. e2e/kernels.spec.ts compares values, gradients and dispatch counts
// with the stock-op version.
import * as tf from '@tensorflow/tfjs';
import { customOp } from '../../core/customGrad';
import { SSIM_WEIGHT } from '../../core/photometric';
import { SSIM_C1, SSIM_C2 } from '../../core/ssim';
import { program, run } from './program';

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

/** photometricError of src/core/photometric.ts with its gradients (for `a` only when `gradA`). */
export function photometricErrorWebGPU(a: tf.Tensor4D, b: tf.Tensor4D, gradA: boolean): tf.Tensor4D {
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
