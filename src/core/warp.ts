import * as tf from '@tensorflow/tfjs';
import { acceleratedOps } from './accelerated';
import { customOp } from './customGrad';
import { withoutGradient } from './stopGradient';
import { check, type DispT, type MapT } from './types';

export interface WarpOptions {
  /**
   * Also back-propagate into the image (needed when the image is a trainable feature map).
   * Off by default: for a photometric loss the image is an input and that gradient is
   * a scatter-add that costs most of the step.
   */
  imageGrad?: boolean;
}

/** Integer base offsets ((b * H + y) * W) for a flattened [B*H*W, C] gather: [B, H, W, 1] int32. */
function rowBase(B: number, H: number, W: number): tf.Tensor4D {
  return tf.tidy(() => {
    const b = tf.range(0, B, 1, 'int32').reshape([B, 1, 1, 1]);
    const y = tf.range(0, H, 1, 'int32').reshape([1, H, 1, 1]);
    const i32 = (v: number) => tf.scalar(v, 'int32');
    return tf.mul(tf.add(tf.mul(b, i32(H)), y), i32(W)).tile([1, 1, W, 1]) as tf.Tensor4D;
  });
}

/** x coordinates 0..W-1 broadcastable to [B, H, W, 1]. */
function xCoords(W: number): tf.Tensor4D {
  return tf.range(0, W, 1, 'float32').reshape([1, 1, W, 1]) as tf.Tensor4D;
}

/**
 * Horizontal warp: samples `img` at (x + sign * dispPx(x, y), y) with linear interpolation
 * along x; samples outside [0, W-1] are clamped to the border (see `outOfView`).
 * Right image seen from the left view: `warpH(rightImg, dL, -1)`.
 *
 * img [B, H, W, C], dispPx [B, H, W, 1] -> [B, H, W, C]. The gradient with respect to
 * dispPx is sign * (img[x1] - img[x0]) inside the image and 0 where clamped; the gradient
 * with respect to img (optional) is the scatter-add of the interpolation weights.
 * Hand-written because tfjs's gather gives no gradient for indices computed from dispPx.
 * A backend with its own kernel for it (WebGPU: src/backends/webgpu/warp.ts) uses that instead.
 */
export function warpH(img: tf.Tensor4D, dispPx: DispT, sign: 1 | -1, opts: WarpOptions = {}): tf.Tensor4D {
  const [B, H, W, C] = img.shape;
  check(dispPx.rank === 4 && dispPx.shape[0] === B && dispPx.shape[1] === H && dispPx.shape[2] === W && dispPx.shape[3] === 1,
    'warpH', () => `dispPx must be [${B}, ${H}, ${W}, 1] to match img [${img.shape}], got [${dispPx.shape}]`);
  check(W >= 2, 'warpH', () => `image width must be at least 2, got ${W}`);
  const accel = acceleratedOps(tf.getBackend())?.warpH;
  if (accel) return accel(img, dispPx, sign, !!opts.imageGrad);

  /** Forward pieces shared by the value and the gradients. */
  const sample = (im: tf.Tensor4D, d: DispT) => tf.tidy(() => {
    const xsRaw = tf.add(xCoords(W), tf.mul(d, sign));
    const xs = tf.clipByValue(xsRaw, 0, W - 1);
    const x0f = tf.clipByValue(tf.floor(xs), 0, W - 2);
    const w1 = tf.sub(xs, x0f) as tf.Tensor4D; // weight of x0 + 1
    const idx0 = tf.add(rowBase(B, H, W), tf.cast(x0f, 'int32')).reshape([-1]) as tf.Tensor1D;
    const idx1 = tf.add(idx0, tf.scalar(1, 'int32')) as tf.Tensor1D;
    const flat = im.reshape([B * H * W, C]);
    const v0 = tf.gather(flat, idx0).reshape([B, H, W, C]) as tf.Tensor4D;
    const v1 = tf.gather(flat, idx1).reshape([B, H, W, C]) as tf.Tensor4D;
    const inside = tf.logicalAnd(tf.greaterEqual(xsRaw, 0), tf.lessEqual(xsRaw, W - 1));
    const value = tf.add(v0, tf.mul(w1, tf.sub(v1, v0))) as tf.Tensor4D;
    return { value, slope: tf.sub(v1, v0) as tf.Tensor4D, inside: tf.cast(inside, 'float32') as MapT, w1, idx0, idx1 };
  });

  /** d(loss)/d(disp) = sign * sum_c dy * slope, zero where the sample was clamped. */
  const dispGrad = (dy: tf.Tensor4D, slope: tf.Tensor4D, inside: MapT) =>
    tf.tidy(() => tf.mul(tf.sum(tf.mul(dy, slope), 3, true), tf.mul(inside, sign)) as DispT);

  if (!opts.imageGrad) {
    const op = customOp<tf.Tensor4D>(([d], save) => {
      const s = sample(img, d as DispT);
      save([s.slope, s.inside]);
      tf.dispose([s.w1, s.idx0, s.idx1]);
      return { value: s.value, gradFunc: (dy, saved) => dispGrad(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, saved[1] as MapT) };
    });
    return op(dispPx);
  }

  const op = customOp<tf.Tensor4D>(([im, d], save) => {
    const s = sample(im as tf.Tensor4D, d as DispT);
    save([s.slope, s.inside, s.w1, s.idx0, s.idx1]);
    return {
      value: s.value,
      gradFunc: (dy, saved) => {
        const [slope, inside, w1, idx0, idx1] = saved as [tf.Tensor4D, MapT, tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        const gImg = tf.tidy(() => {
          const dy4 = dy as tf.Tensor4D;
          const u0 = tf.mul(dy4, tf.sub(1, w1)).reshape([-1, C]);
          const u1 = tf.mul(dy4, w1).reshape([-1, C]);
          const indices = tf.concat([idx0, idx1]).reshape([-1, 1]);
          // scatterND sums updates that land on the same index.
          return tf.scatterND(indices, tf.concat([u0, u1], 0), [B * H * W, C]).reshape([B, H, W, C]);
        });
        return [gImg, dispGrad(dy as tf.Tensor4D, slope, inside)];
      },
    };
  });
  return op(img, dispPx);
}

/** 1 where x + sign * dispPx falls outside [0, W-1] (the sample was clamped), else 0: [B, H, W, 1]. No gradient. */
export function outOfView(dispPx: DispT, sign: 1 | -1): MapT {
  return withoutGradient((d) => tf.tidy(() => {
    const W = d.shape[2] as number;
    const xs = tf.add(xCoords(W), tf.mul(d, sign));
    return tf.cast(tf.logicalOr(tf.less(xs, 0), tf.greater(xs, W - 1)), 'float32') as MapT;
  }), dispPx);
}
