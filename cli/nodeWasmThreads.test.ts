// The CLI's threaded wasm backend (cli/nodeWasmThreads.ts: tfjs' threaded SIMD module started from
// its files, since tfjs keeps threads off in Node) computes what the single-threaded one does: one
// seeded stage-1 step (loss, every gradient, weights after Adam) with our wasm kernels on both.
// Each runs in its own process: the wasm module is chosen once per process.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relError } from '../src/testing/gradcheck';

const root = resolve(import.meta.dirname, '..');

interface CheckOut { backend: string; wasmThreads: number | null; loss: number; grads: Record<string, number[]>; afterAdam: Record<string, number[]> }

function check(threads: number): CheckOut {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'cli/nodeWebgpuCheck.ts', 'wasm', String(threads)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`nodeWebgpuCheck wasm ${threads} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as CheckOut;
}

describe('threaded wasm in Node', () => {
  it('a stage-1 step on two wasm threads equals the same step on one (loss, gradients, Adam)', () => {
    const two = check(2);
    const one = check(1);
    expect(one.backend).toBe('wasm');
    expect(two.backend).toBe('wasm');
    expect(one.wasmThreads).toBe(1);
    expect(two.wasmThreads).toBe(2);
    expect(Number.isFinite(one.loss) && one.loss > 0).toBe(true);
    expect(Math.abs(two.loss - one.loss)).toBeLessThan(1e-6 * one.loss);
    const names = Object.keys(one.grads);
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) {
      expect(one.grads[n].some((g) => g !== 0), `gradient ${n} is all zero`).toBe(true);
      expect(relError(Float32Array.from(two.grads[n]), Float32Array.from(one.grads[n])), `gradient ${n}`).toBeLessThan(1e-5);
      expect(relError(Float32Array.from(two.afterAdam[n]), Float32Array.from(one.afterAdam[n])), `weights ${n} after Adam`).toBeLessThan(1e-6);
    }
  }, 300_000);
});
