// The CLI's WebGPU backend in Node (Dawn, cli/nodeWebgpu.ts) computes what WASM computes: one seeded
// stage-1 step (loss, every gradient, weights after Adam; our WGSL warp, correlation, fused conv and
// Adam kernels run on WebGPU, the stock-op versions on WASM). No GPU here: Dawn runs on SwiftShader's
// Vulkan driver, which Debian's chromium package ships (the browser tests need it anyway). Each backend
// runs in its own process, since the Vulkan loader's path must be set before the process starts.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectSameStep, runStepCheck } from './stepCheckRun';

const root = resolve(import.meta.dirname, '..');
const swiftshaderDir = ['/usr/lib/chromium', '/usr/lib/chromium-browser'].find((d) => existsSync(join(d, 'vk_swiftshader_icd.json')) && existsSync(join(d, 'libvulkan.so.1')));
const dawnInstalled = existsSync(join(root, 'node_modules/webgpu/package.json'));

describe('WebGPU in Node (Dawn)', () => {
  // CI installs Debian's chromium and the optional `webgpu` package: there this must run
  const runnable = Boolean(swiftshaderDir && dawnInstalled);
  it.skipIf(!runnable && !process.env.CI)('a stage-1 step on WebGPU equals the same step on WASM (loss, gradients, Adam)', () => {
    expect(dawnInstalled, 'npm package "webgpu" (optional dependency) is not installed').toBe(true);
    expect(swiftshaderDir, "SwiftShader's Vulkan driver (Debian's chromium package) was not found").toBeDefined();
    const gpu = runStepCheck(['webgpu'], { LD_LIBRARY_PATH: swiftshaderDir!, VK_ICD_FILENAMES: join(swiftshaderDir!, 'vk_swiftshader_icd.json') });
    const cpu = runStepCheck(['wasm']);
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.adapter?.architecture).toBe('swiftshader');
    expect(cpu.backend).toBe('wasm');
    expectSameStep(gpu, cpu, { loss: 1e-5, grads: 1e-3, adam: 1e-6 });
  }, 300_000);
});
