import * as tf from '@tensorflow/tfjs';

/**
 * Replicate-pads H and W of an NHWC tensor by `p` pixels (edge values repeated).
 * Built from slices and concats along H and W (whole rows: fast on wasm) so its gradient is exact on every backend
 * (tfjs's MirrorPad gradient drops the contributions of the padded border).
 */
export function padReplicate(x: tf.Tensor4D, p = 1): tf.Tensor4D {
  return tf.tidy(() => {
    if (p === 0) return x.clone();
    const [, H, W] = x.shape;
    const top = x.slice([0, 0, 0, 0], [-1, 1, -1, -1]);
    const bottom = x.slice([0, H - 1, 0, 0], [-1, 1, -1, -1]);
    const rows = tf.concat([...Array(p).fill(top), x, ...Array(p).fill(bottom)], 1) as tf.Tensor4D;
    const left = rows.slice([0, 0, 0, 0], [-1, -1, 1, -1]);
    const right = rows.slice([0, 0, W - 1, 0], [-1, -1, 1, -1]);
    return tf.concat([...Array(p).fill(left), rows, ...Array(p).fill(right)], 2) as tf.Tensor4D;
  });
}
