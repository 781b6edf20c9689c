import * as tf from '@tensorflow/tfjs';
import { acceleratedOps } from './accelerated';

/** The constants of one Adam update; c1 = 1 - beta1^t and c2 = 1 - beta2^t are the bias corrections at step t (from 1). */
export interface AdamStep {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  c1: number;
  c2: number;
}

/**
 * One Adam update of one variable, tfjs's formula (tf.train.adam):
 *   m' = beta1 m + (1 - beta1) g,   v' = beta2 v + (1 - beta2) g^2,
 *   w' = w - lr (m' / c1) / (sqrt(v' / c2) + epsilon).
 * Returns [w', m', v'] as new tensors. With stock ops this is 14 kernels per variable; a backend
 * may register its own (WebGPU: three dispatches, src/backends/webgpu/adam.ts).
 */
export function adamUpdateOps(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, k: AdamStep): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, k.beta1), tf.mul(g, 1 - k.beta1));
    const v1 = tf.add(tf.mul(v, k.beta2), tf.mul(tf.square(g), 1 - k.beta2));
    const step = tf.div(tf.div(m1, k.c1), tf.add(tf.sqrt(tf.div(v1, k.c2)), k.epsilon));
    return [tf.add(tf.mul(step, -k.lr), w), m1, v1];
  });
}

/** Adam's state for a checkpoint: the step count and each variable's moments. */
export interface AdamState {
  t: number;
  moments: Record<string, { m: Float32Array; v: Float32Array }>;
}

/**
 * Adam with the same update and defaults as tf.train.adam (beta1 0.9, beta2 0.999, the backend's
 * epsilon), taking each variable's update from the active backend's accelerated op when it has one.
 * `learningRate` may change between steps (the stages' schedules set it before every step).
 */
export class Adam {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  private epsilon: number | undefined;
  private t = 0;
  private moments = new Map<string, { m: tf.Variable; v: tf.Variable }>();

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  /** Updates each variable named in `grads` (tf.variableGrads' map) by its gradient. */
  applyGradients(grads: Record<string, tf.Tensor>): void {
    const vars = tf.engine().registeredVariables;
    this.t += 1;
    const k: AdamStep = {
      lr: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon ?? tf.backend().epsilon(),
      c1: 1 - this.beta1 ** this.t,
      c2: 1 - this.beta2 ** this.t,
    };
    const update = acceleratedOps(tf.getBackend())?.adamUpdate ?? adamUpdateOps;
    for (const [name, g] of Object.entries(grads)) {
      const w = vars[name];
      if (!w) throw new Error(`Adam: no variable named "${name}"`);
      let mv = this.moments.get(name);
      if (!mv) {
        mv = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(w), false), v: tf.variable(tf.zerosLike(w), false) }));
        this.moments.set(name, mv);
      }
      const [w1, m1, v1] = update(w, g, mv.m, mv.v, k);
      w.assign(w1);
      mv.m.assign(m1);
      mv.v.assign(v1);
      tf.dispose([w1, m1, v1]);
    }
  }

  /**
   * The optimiser's state (step count and both moments of every variable it has updated), keyed by
   * `nameOf(variable name)` (a network's logical weight names, so a checkpoint survives a rebuild).
   */
  async exportState(nameOf: (varName: string) => string): Promise<AdamState> {
    const moments: AdamState['moments'] = {};
    for (const [name, { m, v }] of this.moments) moments[nameOf(name)] = { m: (await m.data()) as Float32Array, v: (await v.data()) as Float32Array };
    return { t: this.t, moments };
  }

  /** Restores exportState's result; `varOf(key)` gives the variable a key belongs to. Shapes must match. */
  importState(state: AdamState, varOf: (key: string) => tf.Variable): void {
    this.dispose();
    this.t = state.t;
    for (const [key, { m, v }] of Object.entries(state.moments)) {
      const w = varOf(key);
      if (m.length !== w.size || v.length !== w.size) throw new Error(`Adam state: "${key}" has ${m.length} values, the variable ${w.size}`);
      this.moments.set(w.name, { m: tf.variable(tf.tensor(m, w.shape), false), v: tf.variable(tf.tensor(v, w.shape), false) });
    }
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
  }
}
