// Convolution gradients as plain convolutions, for backends whose own gradient kernels are missing
// or slow: wasm has no Conv2DBackpropFilter and its Conv2DBackpropInput is ~10x slower than its
// Conv2D; the cpu backend's Conv2DBackpropFilter is ~10x slower than these.
import * as tf from '@tensorflow/tfjs';

/**
 * d(loss)/d(filter) of a convolution of `xp` zero-padded by `pad` on each side, as a convolution
 * itself: the input with batch and channels swapped, convolved with the output gradient as the
 * kernel (dilated by the stride). The padding is the conv's own (no padded copy of the input).
 * xp [B, Hi, Wi, Cin], dy [B, Ho, Wo, Cout] -> [k, k, Cin, Cout].
 */
export function conv2dFilterGrad(xp: tf.Tensor4D, dy: tf.Tensor4D, k: number, stride: number, pad = 0): tf.Tensor4D {
  return tf.tidy(() => {
    const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Cin, Hi, Wi, B]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, Cout]
    // explicit padding, not a number: tfjs 4.22 sizes a numeric pad's output with the filter's height for both axes
    const padding = pad > 0 ? ([[0, 0], [pad, pad], [pad, pad], [0, 0]] as tf.backend_util.ExplicitPadding) : 'valid';
    const g = tf.conv2d(xT as tf.Tensor4D, dyT as tf.Tensor4D, 1, padding, 'NHWC', stride); // [Cin, >=k, >=k, Cout]
    return tf.transpose(g.slice([0, 0, 0, 0], [-1, k, k, -1]), [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** The filter rotated by 180 degrees with in/out channels swapped: [k, k, Cin, Cout] -> [k, k, Cout, Cin]. */
function rotateFilter(w: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
}

/** Inserts s - 1 zeros between neighbouring pixels along H and W: [B, h, w, C] -> [B, s(h-1)+1, s(w-1)+1, C]. */
function dilateZeros(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  return tf.tidy(() => {
    const [B, h, w, C] = x.shape;
    // one pad of a 6-D view (a copy per pixel stack, not per channel value as stack/concat do on wasm)
    const full = tf.pad(x.reshape([B, h, 1, w, 1, C]), [[0, 0], [0, 0], [0, s - 1], [0, 0], [0, s - 1], [0, 0]]).reshape([B, s * h, s * w, C]);
    return (full as tf.Tensor4D).slice([0, 0, 0, 0], [B, s * (h - 1) + 1, s * (w - 1) + 1, C]);
  });
}

/**
 * d(loss)/d(input) of a 'valid' convolution as a plain convolution: the output gradient
 * (zero-dilated by the stride, padded by k - 1) convolved with the filter rotated by 180
 * degrees and with in/out channels swapped. wasm's Conv2DBackpropInput kernel is ~10x slower
 * than its Conv2D. dy [B, Ho, Wo, Cout], w [k, k, Cin, Cout] -> [B, Hp, Wp, Cin].
 */
export function conv2dInputGrad(dy: tf.Tensor4D, w: tf.Tensor4D, inShape: [number, number, number, number], stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const k = w.shape[0];
    const [, Hp, Wp] = inShape;
    const d = dilateZeros(dy, stride);
    const extraH = Hp - (d.shape[1] + k - 1);
    const extraW = Wp - (d.shape[2] + k - 1);
    const dp = tf.pad(d, [[0, 0], [k - 1, k - 1 + extraH], [k - 1, k - 1 + extraW], [0, 0]]) as tf.Tensor4D;
    return tf.conv2d(dp, rotateFilter(w), 1, 'valid');
  });
}

/**
 * d(loss)/d(input) of a convolution (the InputGrad of src/core/conv.ts) as a plain convolution:
 * 'same' at stride 1 is itself a 'same' convolution with the filter rotated by 180 degrees and its
 * channels swapped; 'valid' goes through conv2dInputGrad. xinShape: the conv's (padded) input.
 */
export function convInputGrad(dz: tf.Tensor4D, w: tf.Tensor4D, xinShape: [number, number, number, number], stride: number, pad: 'same' | 'valid'): tf.Tensor4D {
  return tf.tidy(() => {
    if (pad === 'same' && stride === 1) {
      return tf.conv2d(dz, rotateFilter(w), 1, 'same');
    }
    if (pad !== 'valid') throw new Error(`convInputGrad: 'same' padding only at stride 1, got stride ${stride}`);
    return conv2dInputGrad(dz, w, xinShape, stride);
  });
}
