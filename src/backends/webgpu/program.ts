// What every WGSL program of this folder shares: one thread per output element, run on the active
// WebGPU backend as a tfjs tensor.
import * as tf from '@tensorflow/tfjs';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type Uniform = { type: 'int32' | 'float32'; data: number[] };

/**
 * A one-output-element-per-thread program: `body` sees `index` and, unless `flat`, the rank-4 output
 * `coords` of that element.
 */
export function program(key: string, variableNames: string[], outputShape: number[], uniforms: string, body: string, flat = false): WebGPUProgram {
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

export function run(p: WebGPUProgram, inputs: tf.Tensor[], uniforms: Uniform[]): tf.Tensor4D {
  const backend = tf.backend() as unknown as WebGPUBackend;
  const info = backend.runWebGPUProgram(p, inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor4D;
}

/** An elementwise program over `size` values, one thread per value. */
export const flat = (key: string, variableNames: string[], size: number, uniforms: string, body: string) => program(key, variableNames, [size], uniforms, body, true);
