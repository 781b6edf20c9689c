// The CLI's WebGPU backend in Node (Dawn, cli/nodeWebgpu.ts) computes what WASM computes: one seeded
// stage-1 step (loss, every gradient, weights after Adam; our WGSL warp, correlation, fused conv and
// Adam kernels run on WebGPU, the stock-op versions on WASM). No GPU here: Dawn runs on SwiftShader's
// Vulkan driver, which Debian's chromium package ships (the browser tests need it anyway). Each backend
// runs in its own process, since the Vulkan loader's path must be set before the process starts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectSameStep, runStepCheck } from './stepCheckRun';

const root = resolve(import.meta.dirname, '..');
const swiftshaderDir = ['/usr/lib/chromium', '/usr/lib/chromium-browser'].find((d) => existsSync(join(d, 'vk_swiftshader_icd.json')) && existsSync(join(d, 'libvulkan.so.1')));
const dawnInstalled = existsSync(join(root, 'node_modules/webgpu/package.json'));
// A bundled sample scene (public/samples), so that this needs no shared data folder.
const scene = resolve(root, 'public/samples/tsukuba');

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

  // The census term (stock ops on every backend: a conv with one-hot filters, then pointwise maths).
  it.skipIf(!runnable && !process.env.CI)('with the census term on, the stage-1 step on WebGPU still equals WASM\'s', () => {
    const env = { RD_CHECK_CENSUS: '1' };
    const gpu = runStepCheck(['webgpu'], { ...env, LD_LIBRARY_PATH: swiftshaderDir!, VK_ICD_FILENAMES: join(swiftshaderDir!, 'vk_swiftshader_icd.json') });
    const cpu = runStepCheck(['wasm'], env);
    const without = runStepCheck(['wasm']);
    expect(gpu.backend).toBe('webgpu');
    expect(cpu.loss).toBeGreaterThan(without.loss + 0.01); // the term is in the loss
    expectSameStep(gpu, cpu, { loss: 1e-5, grads: 1e-3, adam: 1e-6 });
  }, 300_000);

  // The step check above covers stage 1; stages 2 and 3 run other losses through the same kernels (a
  // kernel that kept a tensor the loss had already disposed once broke stage 2 here and only there).
  it.skipIf(!runnable && !process.env.CI)('npm run train runs all three stages on WebGPU with finite losses', () => {
    const out = mkdtempSync(join(tmpdir(), 'rd-webgpu-stages-'));
    try {
      const args = ['--import', 'tsx', 'cli/train.ts', '--backend', 'webgpu', '--scenes', scene, '--preset', 'tiny', '--width', '64', '--height', '32', '--steps', '3', '--out', out];
      const r = spawnSync(process.execPath, args, {
        cwd: root, encoding: 'utf8', timeout: 240_000,
        env: { ...process.env, LD_LIBRARY_PATH: swiftshaderDir!, VK_ICD_FILENAMES: join(swiftshaderDir!, 'vk_swiftshader_icd.json') },
      });
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('backend webgpu');
      for (const stage of ['stereo', 'distill', 'fuse']) expect(r.stdout).toMatch(new RegExp(`stage ${stage}: 3 of 3 steps in \\d+ s \\(done\\)`));
      const log = JSON.parse(readFileSync(join(out, 'train-log.json'), 'utf8')) as { steps: { stage: string; losses: Record<string, number> }[] };
      expect(new Set(log.steps.map((x) => x.stage))).toEqual(new Set(['stereo', 'distill', 'fuse']));
      for (const x of log.steps) for (const v of Object.values(x.losses)) expect(Number.isFinite(v), `${x.stage}: ${JSON.stringify(x.losses)}`).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
