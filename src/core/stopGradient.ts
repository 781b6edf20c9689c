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
