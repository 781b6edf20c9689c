import { describe, expect, it } from 'vitest';
import { estimateRun } from './runProgress';

describe('estimateRun', () => {
  it('adds steps x measured step time over every stage, and what is left of each', () => {
    const e = estimateRun([
      { stage: 'stereo', steps: 100, done: 40, msPerStep: 500 },
      { stage: 'distill', steps: 50, done: 0, msPerStep: 200 },
      { stage: 'fuse', steps: 20, done: 0, msPerStep: 1000 },
    ])!;
    expect(e.totalSec).toBeCloseTo(50 + 10 + 20, 9);
    expect(e.leftSec).toBeCloseTo(30 + 10 + 20, 9);
    expect(e.assumed).toEqual([]);
  });

  it('a stage not measured yet takes the mean step time of those measured, and is said to', () => {
    const e = estimateRun([
      { stage: 'stereo', steps: 10, done: 2, msPerStep: 300 },
      { stage: 'distill', steps: 10, done: 0 },
      { stage: 'fuse', steps: 10, done: 0, msPerStep: 100 },
    ])!;
    expect(e.totalSec).toBeCloseTo(3 + 2 + 1, 9);
    expect(e.leftSec).toBeCloseTo(2.4 + 2 + 1, 9);
    expect(e.assumed).toEqual(['distill']);
  });

  it('nothing measured: no estimate; budget stages last their share whatever a step costs', () => {
    expect(estimateRun([{ stage: 'stereo', steps: 10, done: 0 }])).toBeUndefined();
    const e = estimateRun([
      { stage: 'stereo', steps: 12, done: 12, budgetSec: 30 },
      { stage: 'distill', steps: 3, done: 3, budgetSec: 18, leftSec: 7 },
      { stage: 'fuse', steps: 0, done: 0, budgetSec: 12 },
    ])!;
    expect(e).toEqual({ totalSec: 60, leftSec: 19, assumed: [] });
  });

  it('a reported time left wins over steps x step time (the running stage)', () => {
    expect(estimateRun([{ stage: 'stereo', steps: 100, done: 50, msPerStep: 100, leftSec: 9 }])!.leftSec).toBe(9);
  });
});
