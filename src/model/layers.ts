import * as tf from '@tensorflow/tfjs';
import { acceleratedOps, LRELU_SLOPE } from '../core/accelerated';
import { convFilterGradPadded, convInputGrad } from '../core/convGrad';
import { fusedConvAct, type ConvActivation } from '../core/fusedConv';
import { mulberry32 } from '../util/random';
// the wasm conv kernels (no registration: used wherever they load); the one conv interface of issue 25 would let the
// backend provide them instead
import { convForwardNative, filterBiasGradNative, inputGradNative } from '../backends/wasm/conv';
import { convPartsActNative } from '../backends/wasm/convParts';
import { nativeKernels } from '../backends/wasm/loader';

export { conv2dFilterGrad, conv2dInputGrad } from '../core/convGrad';

/**
 * The named, trainable weights of one network. Logical names ("feat/enc1a/kernel") are ours;
 * the tfjs variables get unique internal names, so several copies of a network (e.g. the
 * frozen teacher of stage 3) can live side by side.
 */
export class Params {
  readonly vars = new Map<string, tf.Variable>();
  private readonly rand: () => number;

  constructor(seed: number) {
    this.rand = mulberry32(seed);
  }

  /** He-normal (Box-Muller on the seeded PRNG) for kernels, zeros for biases. */
  private init(shape: number[], fanIn: number, zero: boolean): Float32Array {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    if (zero) return v;
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) {
      const u = Math.max(this.rand(), 1e-12);
      v[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rand());
    }
    return v;
  }

  add(name: string, shape: number[], fanIn: number, zero = false): tf.Variable {
    if (this.vars.has(name)) throw new Error(`Params: duplicate weight name "${name}"`);
    const initial = tf.tensor(this.init(shape, fanIn, zero), shape);
    const v = tf.variable(initial, true);
    initial.dispose(); // the variable keeps its own reference to the data
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`Params: no weight named "${name}"`);
    return v;
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  list(): tf.Variable[] {
    return [...this.vars.values()];
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** A conv layer's activation: the one type, declared with the fused conv op (src/core/fusedConv.ts). */
export type Activation = ConvActivation;

/** Whether `conv` runs on our own wasm kernels here (tfjs's wasm backend, where they load). */
function onNativeKernels(): boolean {
  return tf.getBackend() === 'wasm' && !acceleratedOps('wasm')?.convAct && nativeKernels() !== null;
}

/** Backends without a usable Conv2DBackpropFilter kernel (wasm has none; cpu's is ~10x slower than ours). */
const CUSTOM_FILTER_GRAD_BACKENDS = new Set(['cpu', 'wasm']);

export interface ConvOptions {
  /** Back-propagate into the input (false for a layer that reads the image itself). Default true. */
  inputGrad?: boolean;
}

/**
 * k x k convolution with zero padding (k - 1) / 2 on each side (so stride 2 halves even sizes),
 * bias and activation. On cpu and wasm: one fused conv + bias + activation kernel forward, with the
 * gradients as plain convolutions (src/core/convGrad.ts); on WebGPU the accelerated fused layer;
 * elsewhere tfjs's own kernels.
 * x [B, H, W, Cin] -> [B, H / stride, W / stride, Cout].
 */
export function conv(x: tf.Tensor4D, w: tf.Variable, b: tf.Variable, stride: 1 | 2, act: Activation, opts: ConvOptions = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const k = w.shape[0];
    const p = (k - 1) / 2;
    const inputGrad = opts.inputGrad ?? true;
    const fused = acceleratedOps(tf.getBackend())?.convAct;
    if (fused) return fused(x, w as tf.Tensor4D, b as tf.Tensor1D, stride, act, inputGrad);
    if (CUSTOM_FILTER_GRAD_BACKENDS.has(tf.getBackend())) {
      // one fused kernel forward (conv, bias, activation); gradients as plain convolutions
      // wasm: the forward pass and the weight, bias and input gradients by our own SIMD loops where they load
      // (src/backends/wasm/conv.ts)
      const native = onNativeKernels();
      return fusedConvAct(x, w as tf.Tensor4D, b as tf.Tensor1D, stride, act, inputGrad, {
        filterGrad: convFilterGradPadded,
        filterBiasGrad: native ? filterBiasGradNative : undefined,
        inputGrad: convInputGrad,
        inputGradUnpadded: native ? inputGradNative : undefined,
        forwardUnpadded: native ? convForwardNative : undefined,
        leakyReluApart: tf.getBackend() === 'wasm',
      });
    }
    const xp = p > 0 ? (tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D) : x;
    const z = tf.add(tf.conv2d(xp, w as tf.Tensor4D, stride, 'valid'), b) as tf.Tensor4D;
    if (act === 'lrelu') return tf.leakyRelu(z, LRELU_SLOPE);
    if (act === 'relu') return tf.relu(z);
    return z;
  });
}

/** A convolution layer bound to its weights in `params`. */
export interface ConvLayer {
  (x: tf.Tensor4D): tf.Tensor4D;
  /** The layer on `xs` concatenated on the channels (on wasm without the concatenation, src/backends/wasm/convParts.ts). */
  parts(xs: tf.Tensor4D[]): tf.Tensor4D;
  readonly cin: number;
  readonly cout: number;
}

export function convLayer(params: Params, name: string, cin: number, cout: number, opts: { k?: number; stride?: 1 | 2; act?: Activation } & ConvOptions = {}): ConvLayer {
  const k = opts.k ?? 3;
  const stride = opts.stride ?? 1;
  const act = opts.act ?? 'lrelu';
  const w = params.add(`${name}/kernel`, [k, k, cin, cout], k * k * cin);
  const b = params.add(`${name}/bias`, [cout], 1, true);
  const layer = (x: tf.Tensor4D) => {
    if (x.shape[3] !== cin) throw new Error(`conv ${name}: expected ${cin} input channels, got ${x.shape[3]} (input [${x.shape}])`);
    return conv(x, w, b, stride, act, { inputGrad: opts.inputGrad });
  };
  const parts = (xs: tf.Tensor4D[]) => {
    const channels = xs.reduce((a, x) => a + x.shape[3], 0);
    if (channels !== cin) throw new Error(`conv ${name}: expected ${cin} input channels, got ${xs.map((x) => x.shape[3]).join(' + ')}`);
    // (only where every part has 8 channels or more: a kernel pass per part re-reads the output and its gradient, which
    // costs more than copying a 1- or 7-channel part; measured on the decoders: BENCHMARKS.md, "A conv of several inputs without a concat")
    if (xs.length > 1 && xs.every((x) => x.shape[3] >= 8) && onNativeKernels() && (opts.inputGrad ?? true)) return tf.tidy(() => convPartsActNative(xs, w as tf.Tensor4D, b as tf.Tensor1D, stride, act));
    return tf.tidy(() => layer(xs.length === 1 ? xs[0] : (tf.concat(xs, 3) as tf.Tensor4D)));
  };
  return Object.assign(layer, { parts, cin, cout });
}

/** Maps an RGB image in [0, 1] to roughly zero mean and unit spread. */
export function normalizeImage(img: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(img, 0.45), 0.225) as tf.Tensor4D);
}
