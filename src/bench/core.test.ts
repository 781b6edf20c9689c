// The benchmark core's step timer and counts (src/bench/core.ts) on tfjs's cpu backend, with fake steps: which
// steps are timed, the median, the budget, the memory snapshots, kernels against profile entries, conv multiply-adds.
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { benchStages, convMacs, countDispatches, median, profileStep, timeSteps } from './core';
import type { StageRow } from './types';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

afterEach(() => vi.restoreAllMocks());

/** A step whose n-th call takes durations[n] ms on a fake clock. */
function fakeClock(durations: number[]) {
  let now = 1000;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  const calls: number[] = [];
  const step = async () => {
    now += durations[calls.length];
    calls.push(now);
  };
  return { step, calls };
}

describe('timeSteps', () => {
  it('times the first step alone, leaves the warm-up out and reports median, min and max of the timed steps', async () => {
    const { step, calls } = fakeClock([500, 40, 30, 10, 20]);
    const phases: string[] = [];
    const r = await timeSteps(step, { steps: 3, warmup: 2, budgetMs: 1000, tag: 'x: ', onPhase: (p) => phases.push(p) });
    expect(calls.length).toBe(5);
    expect(r.firstStepMs).toBe(500);
    expect(r.warmupMs).toBe(540);
    expect(r.stats).toEqual({ medianMs: 20, minMs: 10, maxMs: 30, steps: 3 });
    expect(phases).toEqual(['x: first step', 'x: warm-up step 2/2', 'x: step 1/3', 'x: step 2/3', 'x: step 3/3']);
    expect(r.skipped).toBeUndefined();
  });

  it('takes the upper middle for an even count, as both benchmarks always did', () => {
    expect(median([4, 1, 3, 2])).toBe(3);
    expect(median([5])).toBe(5);
  });

  it('skips the stage after a first step over the budget, without further steps', async () => {
    const { step, calls } = fakeClock([2500, 10]);
    const r = await timeSteps(step, { steps: 5, warmup: 2, budgetMs: 2000 });
    expect(calls.length).toBe(1);
    expect(r.stats).toBeUndefined();
    expect(r.skipped).toBe('first step took 2.5 s (> 2 s budget)');
  });

  it('reads tf.memory() just before and just after the timed steps', async () => {
    const kept: tf.Tensor[] = [];
    const r = await timeSteps(async () => void kept.push(tf.zeros([4])), { steps: 3, warmup: 1, budgetMs: 60_000 });
    expect(r.memory!.after.numTensors - r.memory!.before.numTensors).toBe(3);
    expect(r.native).toBeUndefined(); // no own wasm kernels on cpu
    tf.dispose(kept);
  });
});

describe('profileStep', () => {
  it('counts registered kernels, leaves custom-gradient wrappers out of them but not out of the profile entries', async () => {
    const double = tf.customGrad((a) => ({ value: tf.mul(a as tf.Tensor, 2), gradFunc: (dy: tf.Tensor) => tf.mul(dy, 2) }));
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const w = tf.ones([3, 3, 2, 5]) as tf.Tensor4D;
    const step = async () => {
      const y = tf.tidy(() => tf.add(tf.conv2d(x, w, 1, 'same'), double(x).sum()));
      await y.data();
      y.dispose();
    };
    const p = await profileStep(step);
    // Conv2D, Multiply (inside the wrapper), Sum, Add: four kernels; the customGrad wrapper is one more entry
    expect(p.kernels).toBe(4);
    expect(p.profileEntries).toBe(5);
    expect(p.allKernels!.map((k) => k.name).sort()).toEqual(['Add', 'Conv2D', 'Multiply', 'Sum']);
    expect(p.allKernels!.reduce((a, k) => a + k.calls, 0)).toBe(p.kernels);
    expect(p.convGmacs).toBeCloseTo((4 * 4 * 5 * (3 * 3 * 2)) / 1e9, 15);
    expect(p.dispatches).toBeUndefined(); // not webgpu
    tf.dispose([x, w]);
  });

  it('counts the multiply-adds of the convolution kernels from their shapes', () => {
    expect(convMacs('Conv2D', [[2, 8, 8, 3], [3, 3, 3, 16]], [[2, 8, 8, 16]])).toBe(2 * 8 * 8 * 16 * 27);
    expect(convMacs('Conv2DBackpropInput', [[2, 8, 8, 16], [3, 3, 3, 16]], [[2, 8, 8, 3]])).toBe(2 * 8 * 8 * 16 * 27);
    expect(convMacs('Conv2DBackpropFilter', [[2, 8, 8, 3], [2, 8, 8, 16]], [[3, 3, 3, 16]])).toBe(2 * 8 * 8 * 16 * 27);
    expect(convMacs('Add', [[4], [4]], [[4]])).toBe(0);
  });

  it('counts dispatchWorkgroups calls only on webgpu', () => {
    expect(countDispatches()).toBeUndefined();
  });
});

describe('benchStages', () => {
  it('skips the rest of a size, and every size as large, once a first step exceeds the budget', async () => {
    const rows: StageRow[] = [];
    await benchStages('cpu', [[64, 32], [32, 16], [128, 64]], ['stereo', 'distill'], { preset: 'tiny', steps: 1, warmup: 1, budgetMs: 0 }, (r) => rows.push(r));
    expect(rows.map((r) => `${r.size} ${r.stage}`)).toEqual(['64x32 stereo', '64x32 distill', '32x16 stereo', '32x16 distill', '128x64 stereo', '128x64 distill']);
    expect(rows[0].skipped).toMatch(/^first step took .* s \(> 0 s budget\)$/);
    expect(rows[1].skipped).toBe('an earlier stage at 64x32 exceeded the budget');
    // a smaller size still runs (and here exceeds the budget in its turn)
    expect(rows[2].skipped).toMatch(/^first step took/);
    expect(rows[4].skipped).toBe('32x16 already exceeded the budget');
    expect(rows.every((r) => r.backend === 'cpu' && !r.stats)).toBe(true);
  });
});
