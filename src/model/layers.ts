import * as tf from '@tensorflow/tfjs';
import { customOp } from '../core/customGrad';
import { acceleratedOps, LRELU_SLOPE } from '../core/accelerated';

/** Seeded PRNG (mulberry32): the same seed gives the same weights on every backend. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

export type Activation = 'lrelu' | 'relu' | 'linear';

/** Backends without a usable Conv2DBackpropFilter kernel (wasm has none; cpu's is ~10x slower than ours). */
const CUSTOM_FILTER_GRAD_BACKENDS = new Set(['cpu', 'wasm']);

/**
 * d(loss)/d(filter) of a 'valid' convolution as a convolution itself: the padded input with
 * batch and channels swapped, convolved with the output gradient as the kernel (dilated by the
 * stride). xp [B, Hp, Wp, Cin], dy [B, Ho, Wo, Cout] -> [k, k, Cin, Cout].
 */
export function conv2dFilterGrad(xp: tf.Tensor4D, dy: tf.Tensor4D, k: number, stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Cin, Hp, Wp, B]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]); // [Ho, Wo, B, Cout]
    const g = tf.conv2d(xT as tf.Tensor4D, dyT as tf.Tensor4D, 1, 'valid', 'NHWC', stride); // [Cin, >=k, >=k, Cout]
    return tf.transpose(g.slice([0, 0, 0, 0], [-1, k, k, -1]), [1, 2, 0, 3]) as tf.Tensor4D;
  });
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
    const wRot = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [k, k, Cout, Cin]
    return tf.conv2d(dp, wRot, 1, 'valid');
  });
}

/** A 'valid' convolution whose gradients are plain convolutions (trains on wasm, fast on cpu). */
function convValidCustom(xp: tf.Tensor4D, w: tf.Tensor4D, stride: number, inputGrad: boolean): tf.Tensor4D {
  const k = w.shape[0];
  if (!inputGrad) {
    // the input is data (the image): only the filter gets a gradient
    return customOp<tf.Tensor4D>(([f], save) => {
      save([xp]); // kept for the backward pass (the caller's tidy would dispose it)
      return {
        value: tf.conv2d(xp, f as tf.Tensor4D, stride, 'valid'),
        gradFunc: (dy, [xs]) => conv2dFilterGrad(xs as tf.Tensor4D, dy as tf.Tensor4D, k, stride),
      };
    })(w);
  }
  return customOp<tf.Tensor4D>(([x, f], save) => {
    save([x, f]);
    return {
      value: tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, stride, 'valid'),
      gradFunc: (dy, [xs, fs]) => [
        conv2dInputGrad(dy as tf.Tensor4D, fs as tf.Tensor4D, xs.shape as [number, number, number, number], stride),
        conv2dFilterGrad(xs as tf.Tensor4D, dy as tf.Tensor4D, k, stride),
      ],
    };
  })(xp, w);
}

/**
 * A stride-1 'same' convolution (odd k) with plain-convolution gradients and no padded copy on
 * the forward pass: the input gradient is itself a 'same' convolution with the rotated filter,
 * and only the filter gradient pads the input (three fewer full-size copies per layer on wasm).
 */
function convSameCustom(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const k = w.shape[0];
  const p = (k - 1) / 2;
  return customOp<tf.Tensor4D>(([xi, f], save) => {
    save([xi, f]);
    return {
      value: tf.conv2d(xi as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'),
      gradFunc: (dy, [xs, fs]) => tf.tidy(() => {
        const wRot = tf.transpose(tf.reverse(fs, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const xp = tf.pad(xs, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D;
        return [tf.conv2d(dy as tf.Tensor4D, wRot, 1, 'same'), conv2dFilterGrad(xp, dy as tf.Tensor4D, k, 1)];
      }),
    };
  })(x, w);
}

export interface ConvOptions {
  /** Back-propagate into the input (false for a layer that reads the image itself). Default true. */
  inputGrad?: boolean;
}

/**
 * k x k convolution with zero padding (k - 1) / 2 on each side (so stride 2 halves even sizes),
 * bias and activation. The gradients go through plain convolutions (conv2dInputGrad,
 * conv2dFilterGrad) on cpu and wasm and through tfjs's own kernels elsewhere.
 * x [B, H, W, Cin] -> [B, H / stride, W / stride, Cout].
 */
export function conv(x: tf.Tensor4D, w: tf.Variable, b: tf.Variable, stride: 1 | 2, act: Activation, opts: ConvOptions = {}): tf.Tensor4D {
  return tf.tidy(() => {
    const k = w.shape[0];
    const p = (k - 1) / 2;
    const inputGrad = opts.inputGrad ?? true;
    const fused = acceleratedOps(tf.getBackend())?.convAct;
    if (fused) return fused(x, w as tf.Tensor4D, b as tf.Tensor1D, stride, act, inputGrad);
    const custom = CUSTOM_FILTER_GRAD_BACKENDS.has(tf.getBackend());
    let y: tf.Tensor4D;
    if (custom && stride === 1 && inputGrad) {
      y = convSameCustom(x, w as tf.Tensor4D);
    } else {
      const xp = p > 0 ? (tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D) : x;
      y = custom ? convValidCustom(xp, w as tf.Tensor4D, stride, inputGrad) : tf.conv2d(xp, w as tf.Tensor4D, stride, 'valid');
    }
    const z = tf.add(y, b) as tf.Tensor4D;
    if (act === 'lrelu') return tf.leakyRelu(z, LRELU_SLOPE);
    if (act === 'relu') return tf.relu(z);
    return z;
  });
}

/** A convolution layer bound to its weights in `params`. */
export interface ConvLayer {
  (x: tf.Tensor4D): tf.Tensor4D;
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
  return Object.assign(layer, { cin, cout });
}

/** Maps an RGB image in [0, 1] to roughly zero mean and unit spread. */
export function normalizeImage(img: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(tf.sub(img, 0.45), 0.225) as tf.Tensor4D);
}
