// Bilinear 2x upsampling of a one-channel map (src/core/resize.ts) in WGSL: one dispatch forward, one
// for the gradient. e2e/kernels.spec.ts compares values, gradients and dispatch counts with the
// stock-op version.
import * as tf from '@tensorflow/tfjs';
import { customOp } from '../../core/customGrad';
import { program, run } from './program';

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

/** upsampleBilinear2x of src/core/resize.ts, times `scale`, with its gradient. */
export function upsampleBilinear2xWebGPU(x: tf.Tensor4D, scale: number): tf.Tensor4D {
  return customOp<tf.Tensor4D>(([xi]) => ({
    value: upsampleForward(xi as tf.Tensor4D, scale),
    gradFunc: (dy) => upsampleGrad(dy as tf.Tensor4D, xi.shape as [number, number, number, number], scale),
  }))(x);
}
