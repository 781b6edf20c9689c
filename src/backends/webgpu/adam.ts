// One Adam update (src/core/adam.ts) in WGSL. e2e/kernels.spec.ts compares the updated weights and
// moments and the dispatch counts with the stock-op update.
import * as tf from '@tensorflow/tfjs';
import type { AdamStep } from '../../core/adam';
import { flat, run, type Uniform } from './program';

// ---- Adam: the moments and the weight in three flat elementwise dispatches per variable ---------

/**
 * [w', m', v'] of adamUpdateOps (src/core/adam.ts) in three dispatches instead of 14: the two
 * moments from (m, g) and (v, g), then the weight from (w, m', v').
 */
export function adamUpdateWebGPU(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, k: AdamStep): [tf.Tensor, tf.Tensor, tf.Tensor] {
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
