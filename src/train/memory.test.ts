import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../config/settings';
import { stepBytes, WASM_HEAP_BYTES, wasmMemoryProblem } from './memory';

const s = (width: number, height: number, batch = 2, preset: 'default' | 'tiny' = 'default') => ({ ...defaultSettings(), width, height, batch, preset });
const ALL = ['stereo', 'distill', 'fuse'] as const;

describe('wasm memory guard', () => {
  it('lets through the sizes that train on wasm here (256x128, 512x256 and 1216x128 at batch 2)', () => {
    for (const [w, h] of [[256, 128], [512, 256], [1216, 128]]) expect(wasmMemoryProblem(s(w, h), ALL), `${w}x${h}`).toBeUndefined();
  });

  it('refuses 1216x256 at batch 2 (it aborted the wasm module here) and says what would fit', () => {
    const m = wasmMemoryProblem(s(1216, 256), ALL);
    expect(m).toMatch(/^Training crops of 1216x256 with batch 2 need about 8\.\d GB of memory per step on WebAssembly/);
    expect(m).toContain('crops of 1216x128');
    expect(m).toContain('batch 1');
    expect(m).toContain('a GPU (WebGPU)');
    // what it proposes does fit
    expect(wasmMemoryProblem(s(1216, 128), ALL)).toBeUndefined();
    expect(wasmMemoryProblem(s(1216, 256, 1), ALL)).toBeUndefined();
  });

  it('counts only the stages that run, and the preset', () => {
    expect(wasmMemoryProblem(s(1216, 256), ['distill'])).toBeUndefined(); // stage 2 needs a fifth of stage 1's
    expect(wasmMemoryProblem(s(1216, 256), [])).toBeUndefined();
    expect(wasmMemoryProblem(s(512, 512), ALL)).toBeDefined();
    expect(wasmMemoryProblem(s(512, 512, 2, 'tiny'), ALL)).toBeUndefined(); // about half the default's
    expect(wasmMemoryProblem(s(1280, 768, 8, 'tiny'), ALL)).toMatch(/use crops of 1280x32, or a GPU/);
  });

  it('when neither a lower crop nor a smaller batch alone fits, proposes both together', () => {
    const m = wasmMemoryProblem(s(1280, 768, 8), ALL);
    expect(stepBytes(s(1280, 768, 1), 'stereo')).toBeGreaterThan(WASM_HEAP_BYTES);
    expect(m).toMatch(/use batch 1 with crops of 1280x224, or a GPU \(WebGPU\)\.$/);
    expect(wasmMemoryProblem(s(1280, 224, 1), ALL)).toBeUndefined();
  });
});
