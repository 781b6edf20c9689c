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
    // our weight-gradient kernel: one thread on the plain heap, split with its helper on the shared one
    expect([one.nativeHelper, two.nativeHelper]).toEqual([false, true]);
    expect(two.nativeHelpers).toBe(1);
    expect(one.nativeSplitCalls).toBe(0);
    expect(two.nativeSplitCalls).toBeGreaterThan(0);
    expectSameStep(two, one, { loss: 1e-6, grads: 1e-5, adam: 1e-6 });
  }, 300_000);

  it('on three threads our convolution kernels share their calls with two helpers: the same step', () => {
    const three = runStepCheck(['wasm', '3']);
    const one = runStepCheck(['wasm', '1']);
    expect(three.wasmThreads).toBe(3);
    expect(three.nativeHelpers).toBe(2);
    expect(three.nativeSplitCalls).toBeGreaterThan(0);
    expectSameStep(three, one, { loss: 1e-6, grads: 1e-5, adam: 1e-6 });
  }, 300_000);

  it('a helper thread that stops answering is dropped and its half computed on the caller: the step is the same', () => {
    const killed = runStepCheck(['wasm', '2'], { RD_CHECK_KILL_HELPER: '1' });
    const one = runStepCheck(['wasm', '1']);
    expect(killed.nativeHelper).toBe(true);
    expect(killed.nativeSplitCalls).toBe(1); // the first split waits 300 ms, then none
    expect(killed.nativeHelperAfter).toBe(false);
    expectSameStep(killed, one, { loss: 1e-6, grads: 1e-5, adam: 1e-6 });
  }, 300_000);
});
