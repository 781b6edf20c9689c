import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { isSoftwareAdapter, isSoftwareRenderer, planBackends, selectBackend, type BackendProbes } from './backend';

const SWIFTSHADER_GL = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const NVIDIA_GL = 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 (0x00002206) Direct3D11 vs_5_0 ps_5_0, D3D11)';

describe('isSoftwareAdapter', () => {
  it('flags SwiftShader and fallback adapters', () => {
    expect(isSoftwareAdapter({ architecture: 'swiftshader', vendor: 'google' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', description: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: true })).toBe(true);
  });
  it('accepts real GPUs', () => {
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'ampere', description: '' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3' })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });
});

describe('isSoftwareRenderer', () => {
  it('tells software WebGL renderers from GPUs', () => {
    expect(isSoftwareRenderer(SWIFTSHADER_GL)).toBe(true);
    expect(isSoftwareRenderer('Microsoft Basic Render Driver')).toBe(true);
    expect(isSoftwareRenderer(NVIDIA_GL)).toBe(false);
    expect(isSoftwareRenderer('Mesa Intel(R) UHD Graphics 620 (KBL GT2)')).toBe(false);
  });
});

const swiftshaderAdapter = { architecture: 'swiftshader', vendor: 'google', description: '', isFallback: true };
const gpuAdapter = { architecture: 'ampere', vendor: 'nvidia', description: '', isFallback: false };

describe('planBackends', () => {
  it('puts WebGPU first on a real GPU', () => {
    const probes: BackendProbes = { webgpu: { available: true, adapter: gpuAdapter }, webgl: { available: false } };
    expect(planBackends(probes).order[0]).toBe('webgpu');
  });

  it('prefers WASM when WebGPU and WebGL are both software, and says why', () => {
    const probes: BackendProbes = {
      webgpu: { available: true, adapter: swiftshaderAdapter },
      webgl: { available: true, renderer: SWIFTSHADER_GL, software: true },
    };
    const plan = planBackends(probes);
    expect(plan.order).toEqual(['wasm', 'cpu']);
    expect(plan.skipped.map((s) => s.backend)).toEqual(['webgpu', 'webgl']);
    expect(plan.skipped[0].reason).toMatch(/^WebGPU not used: .*software fallback/);
    expect(plan.skipped[1].reason).toMatch(/^WebGL not used: .*software/);
  });

  it('uses WebGL on a GPU when there is no WebGPU', () => {
    const probes: BackendProbes = {
      webgpu: { available: false, error: 'navigator.gpu is missing' },
      webgl: { available: true, renderer: NVIDIA_GL, software: false },
    };
    const plan = planBackends(probes);
    expect(plan.order).toEqual(['webgl', 'wasm', 'cpu']);
    expect(plan.skipped).toEqual([{ backend: 'webgpu', reason: 'WebGPU not used: navigator.gpu is missing.' }]);
  });

  it('tries a forced backend first, even a software one', () => {
    const probes: BackendProbes = { webgpu: { available: true, adapter: swiftshaderAdapter }, webgl: { available: false } };
    expect(planBackends(probes, 'webgpu').order).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(planBackends(probes, 'cpu').order).toEqual(['cpu', 'wasm']);
  });
});

describe('selectBackend (Node: no WebGPU, no WebGL)', () => {
  it('says so when a forced backend fails, and falls back', async () => {
    const choice = await selectBackend('webgpu');
    expect(choice.requested).toBe('webgpu');
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.reasons[0]).toMatch(/^Requested backend 'webgpu' failed: navigator.gpu is missing/);
    expect(choice.reasons.slice(1)).toEqual([
      'WebGPU not used: navigator.gpu is missing (this browser does not expose WebGPU).',
      'WebGL not used: OffscreenCanvas is missing, so WebGL cannot run in a worker.',
    ]);
  });

  it('gives no reasons for backends worse than the chosen one', async () => {
    const choice = await selectBackend('cpu');
    expect(choice.backend).toBe('cpu');
    expect(choice.reasons).toEqual(['Forced with ?backend=cpu.']);
  });
});
