// The benchmarks' one text format (src/bench/report.ts): the line per row and the step table.
import { describe, expect, it } from 'vitest';
import { inferenceText, rowLine, stepReport } from './report';
import type { StageRow } from './types';

const mem = (numTensors: number) => ({ numTensors, numBytes: 2 ** 20, numDataBuffers: numTensors });
const row: StageRow = {
  backend: 'wasm', size: '64x32', stage: 'stereo', firstStepMs: 600, warmupMs: 700,
  stats: { medianMs: 101.4, minMs: 90, maxMs: 120, steps: 3 }, kernels: 2989, profileEntries: 3045,
  kernelTimes: true, topKernels: [{ name: 'Multiply', ms: 9.2, calls: 527 }], memory: { before: mem(203), after: mem(203) }, lastLoss: 0.1,
};

describe('report', () => {
  it('prints a row with kernels, profile entries and, on webgpu, dispatches', () => {
    expect(rowLine(row)).toBe('wasm 64x32 stereo   101 ms (min 90, max 120), first 600 ms, 2989 kernels (3045 profile entries), tensors 203 -> 203');
    expect(rowLine({ ...row, backend: 'webgpu', dispatches: 779 })).toContain('(3045 profile entries), 779 dispatches, tensors');
    expect(rowLine({ ...row, firstStepMs: 25_700 })).toContain(', first 25.7 s, ');
    expect(rowLine({ backend: 'cpu', size: '64x32', stage: 'fuse', skipped: 'failed: x' })).toBe('cpu 64x32 fuse     skipped: failed: x');
  });

  it('has a dispatches column only where a row has dispatches', () => {
    const plain = stepReport([row]).join('\n');
    expect(plain).toContain('| kernels/step (profile entries) | tensors');
    expect(plain).toContain('2989 (3045)');
    expect(plain).toContain('wasm 64x32 stereo   Multiply 9/527');
    const gpu = stepReport([row, { ...row, backend: 'webgpu', dispatches: 779 }]).join('\n');
    expect(gpu).toContain('| dispatches/step |');
    expect(gpu).toMatch(/\|\s+779 \|/);
  });

  it('gives the first inference run apart from the median of the others', () => {
    expect(inferenceText({ stereoMs: 200, stereoFirstMs: 900, singleMs: 100, singleFirstMs: 300, stereoRuns: 3, singleRuns: 3, runs: 3, notes: [] }))
      .toBe('StereoNet 200 ms (first 900), SingleNet 100 ms (first 300), median of 3 / 3 runs');
  });
});
