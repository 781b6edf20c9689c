// The 1-D correlation (src/core/correlation.ts) in WGSL, forward and both gradients: one dispatch
// each, where stock tfjs chains slices, products and a scatter. e2e/kernels.spec.ts compares values,
// gradients and dispatch counts with the stock-op version.
import * as tf from '@tensorflow/tfjs';
import { correlationFromKernels } from '../../core/accelerated';
import { program, run } from './program';

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

/** correlation1d of src/core/correlation.ts with its custom gradient. */
export const correlation1dWebGPU = correlationFromKernels({
  forward: corrForward,
  backward: (dy, l, r, minK) => [corrGradLeft(dy, r, minK), corrGradRight(dy, l, minK)],
});
