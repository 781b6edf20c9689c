// Test helpers around cli/nodeWebgpuCheck.ts: run the seeded stage-1 step in its own process on a
// backend (the wasm module and the Vulkan loader are chosen once per process), and compare two runs.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { relError } from '../src/testing/gradcheck';

const root = resolve(import.meta.dirname, '..');

export interface StepCheck {
  backend: string;
  adapter: { architecture: string } | null;
  wasmThreads: number | null;
  /** wasm: whether the weight-gradient kernel's helper thread was up (src/backends/wasm/threadPool.ts), and how many gradients it shared */
  nativeHelper: boolean;
  nativeHelpers: number;
  nativeSplitCalls: number;
  nativeHelperAfter: boolean;
  loss: number;
  grads: Record<string, number[]>;
  afterAdam: Record<string, number[]>;
}

/** Runs `tsx cli/nodeWebgpuCheck.ts ...args` with `env` added and parses its JSON. */
export function runStepCheck(args: string[], env: Record<string, string> = {}): StepCheck {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'cli/nodeWebgpuCheck.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`nodeWebgpuCheck ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as StepCheck;
}

/** `got` computed the reference's step: loss, every (non-zero) gradient and the weights after Adam, within the given relative errors. */
export function expectSameStep(got: StepCheck, ref: StepCheck, tol: { loss: number; grads: number; adam: number }): void {
  expect(Number.isFinite(ref.loss) && ref.loss > 0).toBe(true);
  expect(Math.abs(got.loss - ref.loss)).toBeLessThan(tol.loss * ref.loss);
  const names = Object.keys(ref.grads);
  expect(names.length).toBeGreaterThan(10);
  for (const n of names) {
    expect(ref.grads[n].some((g) => g !== 0), `gradient ${n} is all zero`).toBe(true);
    expect(relError(Float32Array.from(got.grads[n]), Float32Array.from(ref.grads[n])), `gradient ${n}`).toBeLessThan(tol.grads);
    expect(relError(Float32Array.from(got.afterAdam[n]), Float32Array.from(ref.afterAdam[n])), `weights ${n} after Adam`).toBeLessThan(tol.adam);
  }
}
