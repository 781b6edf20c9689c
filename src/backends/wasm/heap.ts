// The correlation and the horizontal warp, forward and backward, as plain loops over the wasm backend's heap
// (./correlation.ts, ./warp.ts; registered for 'wasm' by ./index.ts's registerWasmOps; the stock-op versions in
// src/core/correlation.ts and src/core/warp.ts stay the reference and run on cpu and webgl).
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
// float rounding (./ops.test.ts).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { WasmBackendLike, WasmTensorInfo } from './types';

const backend = () => tf.backend() as unknown as WasmBackendLike;

/** A new float32 tensor of `shape` on the wasm heap, filled by `fill` through views of it and of `inputs` (taken after the allocation, which may grow the heap). */
export function compute(shape: number[], inputs: tf.Tensor[], fill: (out: Float32Array, ...ins: Float32Array[]) => void, zero = false): tf.Tensor4D {
  for (const t of inputs) if (t.dtype !== 'float32') throw new Error(`wasm heap ops: expected float32 inputs, got ${t.dtype}`);
  const b = backend();
  const info = b.makeOutput(shape, 'float32');
  const out = b.typedArrayFromHeap(info) as Float32Array;
  if (zero) out.fill(0);
  fill(out, ...inputs.map((t) => b.typedArrayFromHeap(t as unknown as WasmTensorInfo) as Float32Array));
  return tf.engine().makeTensorFromTensorInfo(info as unknown as tf.TensorInfo) as tf.Tensor4D;
}
