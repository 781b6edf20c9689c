import * as tf from '@tensorflow/tfjs';

/** What the forward function of a custom-gradient op returns. */
export interface CustomResult<T extends tf.Tensor> {
  value: T;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[];
}

/**
 * A typed front for `tf.customGrad`: `f` receives the N input tensors as an array and the
 * save function (tfjs passes both as one rest list, which TypeScript cannot type). The ops
 * inside `f` are not recorded on the gradient tape; `gradFunc` must return one gradient per input.
 */
export function customOp<T extends tf.Tensor>(f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomResult<T>): (...inputs: tf.Tensor[]) => T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return f(args.slice(0, -1) as tf.Tensor[], save);
  });
  return (...inputs: tf.Tensor[]) => op(...inputs) as T;
}
