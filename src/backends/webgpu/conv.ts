// A conv layer's kernels (src/core/conv.ts: tfjs's FusedConv2D forward) with its backward pass in WGSL: the activation's gradient in
// one dispatch, the filter and bias gradients in three. e2e/kernels.spec.ts compares values,
// gradients and dispatch counts with the stock layer of src/model/layers.ts.
import * as tf from '@tensorflow/tfjs';
import { LRELU_SLOPE } from '../../core/accelerated';
import { fusedConvKernels, type ConvActivation } from '../../core/conv';
import { flat, program, run, type Uniform } from './program';

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

/** The conv layer on WebGPU: FusedConv2D forward, the gradients above, tfjs's Conv2DBackpropInput for the input. */
export const webgpuConvKernels = fusedConvKernels({ activationGrad: activationGradWebGPU, filterBiasGrad: filterBiasGradWebGPU });
