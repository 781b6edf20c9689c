// The horizontal warp (src/core/warp.ts) in WGSL: forward, disparity and image gradients, one
// dispatch each, where stock tfjs chains gathers and a scatter. e2e/kernels.spec.ts compares values,
// gradients and dispatch counts with the stock-op version.
import * as tf from '@tensorflow/tfjs';
import { warpFromKernels } from '../../core/accelerated';
import type { DispT } from '../../core/types';
import { program, run } from './program';

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

/** warpH of src/core/warp.ts with its custom gradient (the image gradient only when asked for). */
export const warpHWebGPU = warpFromKernels({ forward: warpForward, gradDisp: warpGradDisp, gradImage: warpGradImage });
