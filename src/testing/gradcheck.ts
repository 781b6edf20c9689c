import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../util/random';

/**
 * Central finite-difference gradient of a scalar function at `x` (float64 accumulation of
 * float32 evaluations), for checking hand-written or autodiff gradients. Only `indices`
 * are probed (all when omitted).
 */
export async function numericGrad(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps: number, indices?: number[]): Promise<Float64Array> {
  const base = await x.data();
  const probe = indices ?? Array.from({ length: base.length }, (_, i) => i);
  const out = new Float64Array(probe.length);
  for (let j = 0; j < probe.length; j++) {
    const i = probe[j];
    const vals = Float32Array.from(base);
    vals[i] = base[i] + eps;
    const plus = tf.tidy(() => f(tf.tensor(vals, x.shape)));
    vals[i] = base[i] - eps;
    const minus = tf.tidy(() => f(tf.tensor(vals, x.shape)));
    out[j] = ((await plus.data())[0] - (await minus.data())[0]) / (2 * eps);
    tf.dispose([plus, minus]);
  }
  return out;
}

/** max |a - b| / max(max |b|, tiny): a relative error over the whole vector. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / Math.max(den, 1e-12);
}

/** The seeded PRNG the networks use for their weights (mulberry32). */
export { mulberry32 as rng } from '../util/random';

/** A tensor of uniform values in [lo, hi) from a seeded PRNG. */
export function randomTensor(shape: number[], seed: number, lo = 0, hi = 1): tf.Tensor {
  const r = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => lo + (hi - lo) * r()), shape);
}
