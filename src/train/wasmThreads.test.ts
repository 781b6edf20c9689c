import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_WASM_THREADS, MAX_WASM_THREADS, planWasmThreads } from './wasmThreads';

describe('planWasmThreads', () => {
  const app = { preset: 'default', width: 384, height: 192, batch: 2 } as const;

  it('on 2 cores uses both for the default network at 384x192x2 pixels or more, else one', () => {
    expect(planWasmThreads(2, undefined, app)).toEqual({
      threads: 2,
      note: 'both logical cores, for the default network on crops of 384x192x2 pixels or more; ?wasmThreads=1 for one',
    });
    expect(planWasmThreads(2, undefined, { ...app, width: 1216, height: 256, batch: 1 }).threads).toBe(2);
    expect(planWasmThreads(2, undefined, { ...app, width: 256, height: 128 })).toEqual({
      threads: 1,
      note: 'one of the 2 logical cores: two are slower for steps below the default network on 384x192x2 pixels; ?wasmThreads=2 for both',
    });
    expect(planWasmThreads(2, undefined, { ...app, width: 128, height: 64 }).threads).toBe(1);
    expect(planWasmThreads(2, undefined, { ...app, batch: 1 }).threads).toBe(1);
    expect(planWasmThreads(2, undefined, { ...app, preset: 'tiny' }).threads).toBe(1);
    expect(planWasmThreads(2).threads).toBe(1);
    expect(planWasmThreads(1, undefined, app).threads).toBe(1);
  });

  it('on more cores keeps tfjs: half of them, at most 4', () => {
    expect(planWasmThreads(3, undefined, app).threads).toBe(1);
    expect(planWasmThreads(4, undefined, app).threads).toBe(2);
    expect(planWasmThreads(8, undefined, { ...app, preset: 'tiny' })).toEqual({ threads: 4, note: 'half the 8 logical cores, at most 4, as tfjs chooses' });
    expect(planWasmThreads(32).threads).toBe(DEFAULT_MAX_WASM_THREADS);
  });

  it('treats a missing or nonsense core count as one core', () => {
    expect(planWasmThreads(undefined).threads).toBe(1);
    expect(planWasmThreads(0).threads).toBe(1);
    expect(planWasmThreads(Number.NaN).threads).toBe(1);
  });

  it('honours ?wasmThreads= within 1..8 and says when it clamps', () => {
    expect(planWasmThreads(2, 1)).toEqual({ threads: 1, note: 'as asked with ?wasmThreads=1, on 2 logical cores' });
    expect(planWasmThreads(2, 3, undefined, '--threads ').note).toBe('as asked with --threads 3, on 2 logical cores');
    expect(planWasmThreads(2, 6).threads).toBe(6);
    expect(planWasmThreads(2, 3.4).threads).toBe(3);
    expect(planWasmThreads(2, 40)).toEqual({ threads: MAX_WASM_THREADS, note: '?wasmThreads=40 is outside 1..8, so 8' });
    expect(planWasmThreads(2, 0).threads).toBe(1);
    expect(planWasmThreads(4, Number.NaN).threads).toBe(2);
  });
});
