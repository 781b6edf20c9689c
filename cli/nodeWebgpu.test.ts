// The CLI's WebGPU backend in Node (Dawn, cli/nodeWebgpu.ts) computes what WASM computes: one seeded
// stage-1 step (loss, every gradient, weights after Adam; our WGSL warp, correlation, fused conv and
// Adam kernels run on WebGPU, the stock-op versions on WASM). No GPU here: Dawn runs on SwiftShader's
// Vulkan driver, which Debian's chromium package ships (the browser tests need it anyway). Each backend
// runs in its own process, since the Vulkan loader's path must be set before the process starts.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relError } from '../src/testing/gradcheck';

const root = resolve(import.meta.dirname, '..');
const swiftshaderDir = ['/usr/lib/chromium', '/usr/lib/chromium-browser'].find((d) => existsSync(join(d, 'vk_swiftshader_icd.json')) && existsSync(join(d, 'libvulkan.so.1')));
const dawnInstalled = existsSync(join(root, 'node_modules/webgpu/package.json'));

interface CheckOut { backend: string; adapter: { architecture: string } | null; loss: number; grads: Record<string, number[]>; afterAdam: Record<string, number[]> }

function check(backend: string, env: Record<string, string> = {}): CheckOut {
  const r = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'cli/nodeWebgpuCheck.ts', backend], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    timeout: 240_000,
  });
  if (r.status !== 0) throw new Error(`nodeWebgpuCheck ${backend} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as CheckOut;
}

describe('WebGPU in Node (Dawn)', () => {
  // CI installs Debian's chromium and the optional `webgpu` package: there this must run
  const runnable = Boolean(swiftshaderDir && dawnInstalled);
  it.skipIf(!runnable && !process.env.CI)('a stage-1 step on WebGPU equals the same step on WASM (loss, gradients, Adam)', () => {
    expect(dawnInstalled, 'npm package "webgpu" (optional dependency) is not installed').toBe(true);
    expect(swiftshaderDir, "SwiftShader's Vulkan driver (Debian's chromium package) was not found").toBeDefined();
    const gpu = check('webgpu', { LD_LIBRARY_PATH: swiftshaderDir!, VK_ICD_FILENAMES: join(swiftshaderDir!, 'vk_swiftshader_icd.json') });
    const cpu = check('wasm');
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.adapter?.architecture).toBe('swiftshader');
    expect(cpu.backend).toBe('wasm');
    expect(Number.isFinite(cpu.loss) && cpu.loss > 0).toBe(true);
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5 * cpu.loss);
    const names = Object.keys(cpu.grads);
    expect(names.length).toBeGreaterThan(10);
    for (const n of names) {
      expect(cpu.grads[n].some((g) => g !== 0), `gradient ${n} is all zero`).toBe(true);
      expect(relError(Float32Array.from(gpu.grads[n]), Float32Array.from(cpu.grads[n])), `gradient ${n}`).toBeLessThan(1e-3);
      expect(relError(Float32Array.from(gpu.afterAdam[n]), Float32Array.from(cpu.afterAdam[n])), `weights ${n} after Adam`).toBeLessThan(1e-6);
    }
  }, 300_000);
});
