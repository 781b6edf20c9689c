import * as tf from '@tensorflow/tfjs';
import { convKernels } from '../core/accelerated';
import { convOp, convPartsOp, stockConv, type ConvActivation } from '../core/conv';
import { mulberry32 } from '../util/random';

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

/** A conv layer's activation: the one type, declared with the conv op (src/core/conv.ts). */
export type Activation = ConvActivation;

export interface ConvOptions {
  /** Back-propagate into the input (false for a layer that reads the image itself). Default true. */
  inputGrad?: boolean;
}

/**
 * k x k convolution with zero padding (k - 1) / 2 on each side (so stride 2 halves even sizes),
 * bias and activation, on the active backend's own conv kernels where it registered some
 * (src/core/conv.ts says which), else on stock ops.
 * x [B, H, W, Cin] -> [B, H / stride, W / stride, Cout].
 */
export function conv(x: tf.Tensor4D, w: tf.Variable, b: tf.Variable, stride: 1 | 2, act: Activation, opts: ConvOptions = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const kernels = convKernels(tf.getBackend());
    if (kernels) return convOp(kernels, x, w as tf.Tensor4D, b as tf.Tensor1D, stride, act, opts.inputGrad ?? true);
    return stockConv(x, w as tf.Tensor4D, b as tf.Tensor1D, stride, act);
  });
}

/** A convolution layer bound to its weights in `params`. */
export interface ConvLayer {
  (x: tf.Tensor4D): tf.Tensor4D;
  /** The layer on `xs` concatenated on the channels (without the concatenation where the backend's kernels take parts). */
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
    const partsKernels = convKernels(tf.getBackend())?.parts;
    if (xs.length > 1 && (opts.inputGrad ?? true) && partsKernels?.accepts(xs)) return tf.tidy(() => convPartsOp(partsKernels, xs, w as tf.Tensor4D, b as tf.Tensor1D, stride, act));
    return tf.tidy(() => layer(xs.length === 1 ? xs[0] : (tf.concat(xs, 3) as tf.Tensor4D)));
  };
  return Object.assign(layer, { parts, cin, cout });
}

/** Maps an RGB image in [0, 1] to roughly zero mean and unit spread. */
export function normalizeImage(img: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(img, 0.45), 0.225) as tf.Tensor4D);
}
