// The CLI's threaded wasm backend (cli/nodeWasmThreads.ts: tfjs' threaded SIMD module started from
// its files, since tfjs keeps threads off in Node) computes what the single-threaded one does: one
// seeded stage-1 step (loss, every gradient, weights after Adam) with our wasm kernels on both.
import { describe, expect, it } from 'vitest';
import { expectSameStep, runStepCheck } from './stepCheckRun';

describe('threaded wasm in Node', () => {
  it('a stage-1 step on two wasm threads equals the same step on one (loss, gradients, Adam)', () => {
    const two = runStepCheck(['wasm', '2']);
    const one = runStepCheck(['wasm', '1']);
    expect([one.backend, two.backend]).toEqual(['wasm', 'wasm']);
    expect([one.wasmThreads, two.wasmThreads]).toEqual([1, 2]);
    expectSameStep(two, one, { loss: 1e-6, grads: 1e-5, adam: 1e-6 });
  }, 300_000);
});
