import * as tf from '@tensorflow/tfjs';
import { customOp } from './customGrad';

const identityNoGrad = customOp(([x]) => ({ value: x.clone(), gradFunc: (dy) => tf.zerosLike(dy) }));

/**
 * Identity in the forward pass, zero gradient in the backward pass (tfjs has no
 * stopGradient op). Use it for masks and pseudo-labels that must not be trained through.
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityNoGrad(x) as T;
}

/**
 * Runs `fn` as one opaque op with a zero gradient for every input. The ops inside are not
 * recorded on the gradient tape, so `fn` may use ops that have no gradient at all
 * (comparisons, logical ops, casts) even when its inputs depend on trainable variables.
 */
export function withoutGradient<T extends tf.Tensor>(fn: (...xs: tf.Tensor[]) => T, ...inputs: tf.Tensor[]): T {
  return customOp<T>((xs) => ({ value: fn(...xs), gradFunc: () => xs.map((x) => tf.zerosLike(x)) }))(...inputs);
}

/**
 * A tensor on x's data that the gradient tape does not see: no kernel in either pass (stopGradient
 * costs a zero gradient and its accumulation, a kernel each, on every call). Only for a tensor
 * whose other uses carry its gradient: a function of `detach(x)` alone is not a function of x to
 * tf.grad, which then throws. The caller disposes the result (it holds a reference to the data).
 */
export function detach<T extends tf.Tensor>(x: T): T {
  // what the Identity kernel does (a new tensor on the same data, one more reference to it in the
  // backend), without the tape: makeTensorFromDataId alone would let the data go with the first dispose
  const e = tf.engine();
  const t = e.makeTensorFromDataId(x.dataId, x.shape, x.dtype) as T;
  e.backend.incRef(x.dataId);
  return t;
}
