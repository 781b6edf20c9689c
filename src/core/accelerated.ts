import type * as tf from '@tensorflow/tfjs';
import { customOp } from './customGrad';
import type { AdamStep } from './adam';
import type { DispT } from './types';
import type { ConvKernels } from './conv';

/**
 * Backend-specific versions of the project's own ops (hand-written GPU kernels), used in place of
 * the stock-op versions when the active tfjs backend has one. The stock versions stay the
 * reference (tests compare both) and run everywhere else.
 */
export interface AcceleratedOps {
  correlation1d?: (fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number, maxK: number) => tf.Tensor4D;
  warpH?: (img: tf.Tensor4D, dispPx: DispT, sign: 1 | -1, imageGrad: boolean) => tf.Tensor4D;
  /** The photometric error of src/core/photometric.ts (SSIM and L1, channel mean) with its gradients. */
  photometricError?: (a: tf.Tensor4D, b: tf.Tensor4D, gradA: boolean) => tf.Tensor4D;
  /**
   * The edge-aware smoothness of src/core/smoothness.ts, its mean normalisation included, as a map
   * whose sum is the loss: dispPx [B, H, W, 1], img [B, H, W, C] (a constant) -> [B, H, W, 1].
   */
  smoothnessMap?: (dispPx: tf.Tensor4D, img: tf.Tensor4D) => tf.Tensor4D;
  /**
   * Bilinear 2x upsampling of a one-channel map (half-pixel centres, edges replicated, as
   * upsampleBilinear2x in src/core/resize.ts), times `scale`: [B, h, w, 1] -> [B, 2h, 2w, 1].
   */
  upsampleBilinear2x?: (x: tf.Tensor4D, scale: number) => tf.Tensor4D;
  /** One Adam update of one variable: [w', m', v'] (see adamUpdateOps in src/core/adam.ts). */
  adamUpdate?: (w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, k: AdamStep) => [tf.Tensor, tf.Tensor, tf.Tensor];
}

/** The slope of the leaky ReLU of every 'lrelu' layer (src/model/layers.ts). */
export const LRELU_SLOPE = 0.1;

const registry = new Map<string, AcceleratedOps>();
let enabled = true;

export function registerAccelerated(backend: string, ops: AcceleratedOps): void {
  registry.set(backend, ops);
}

/** The accelerated ops of the backend `name`, unless switched off. */
export function acceleratedOps(name: string): AcceleratedOps | undefined {
  return enabled ? registry.get(name) : undefined;
}

const convProviders = new Map<string, () => ConvKernels>();

/**
 * A backend's conv layer kernels (src/core/conv.ts), as a function asked at each layer call: wasm's answer changes
 * once our SIMD kernels have loaded (src/backends/wasm/index.ts).
 */
export function registerConv(backend: string, provider: () => ConvKernels): void {
  convProviders.set(backend, provider);
}

/** The conv kernels of the backend `name`, unless switched off (then src/core/conv.ts's stockConv runs). */
export function convKernels(name: string): ConvKernels | undefined {
  return enabled ? convProviders.get(name)?.() : undefined;
}

/** Switches the accelerated ops and conv kernels on or off (tests and benchmarks compare both); returns the old state. */
export function setAccelerated(on: boolean): boolean {
  const old = enabled;
  enabled = on;
  return old;
}

/** A backend's three warp kernels (see warp.ts for what each computes). */
export interface WarpKernels {
  forward: (img: tf.Tensor4D, d: DispT, sign: number) => tf.Tensor4D;
  gradDisp: (dy: tf.Tensor4D, img: tf.Tensor4D, d: DispT, sign: number) => tf.Tensor4D;
  gradImage: (dy: tf.Tensor4D, d: DispT, sign: number) => tf.Tensor4D;
}

/** `warpH` with its custom gradient, from a backend's kernels (the image gradient only when asked for). */
export function warpFromKernels(k: WarpKernels): NonNullable<AcceleratedOps['warpH']> {
  return (img, dispPx, sign, imageGrad) => {
    if (!imageGrad) {
      return customOp<tf.Tensor4D>(([d], save) => {
        save([img, d]);
        return {
          value: k.forward(img, d as DispT, sign),
          gradFunc: (dy, [im, ds]) => k.gradDisp(dy as tf.Tensor4D, im as tf.Tensor4D, ds as DispT, sign),
        };
      })(dispPx);
    }
    return customOp<tf.Tensor4D>(([im, d], save) => {
      save([im, d]);
      return {
        value: k.forward(im as tf.Tensor4D, d as DispT, sign),
        gradFunc: (dy, [ims, ds]) => [
          k.gradImage(dy as tf.Tensor4D, ds as DispT, sign),
          k.gradDisp(dy as tf.Tensor4D, ims as tf.Tensor4D, ds as DispT, sign),
        ],
      };
    })(img, dispPx);
  };
}

/** A backend's correlation kernels (see correlation.ts for what each computes): K = maxK - minK + 1 shifts from minK. */
export interface CorrelationKernels {
  forward: (fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number, K: number) => tf.Tensor4D;
  /** [d fL, d fR] from the gradient of the cost volume */
  backward: (dy: tf.Tensor4D, fL: tf.Tensor4D, fR: tf.Tensor4D, minK: number) => [tf.Tensor4D, tf.Tensor4D];
}

/** `correlation1d` with its custom gradient, from a backend's kernels. */
export function correlationFromKernels(k: CorrelationKernels): NonNullable<AcceleratedOps['correlation1d']> {
  return (fL, fR, minK, maxK) => customOp<tf.Tensor4D>(([l, r], save) => {
    save([l, r]);
    return {
      value: k.forward(l as tf.Tensor4D, r as tf.Tensor4D, minK, maxK - minK + 1),
      gradFunc: (dy, [ls, rs]) => k.backward(dy as tf.Tensor4D, ls as tf.Tensor4D, rs as tf.Tensor4D, minK),
    };
  })(fL, fR);
}
