import { describe, expect, it } from 'vitest';
import { stageBudgets } from '../../config/settings';
import { BUDGET_STEPS, learningRateAt, schedulePosition, toleranceAt } from './units';

describe('learningRateAt', () => {
  it('warms up linearly, peaks at the base rate, then decays monotonically to 5 % of it', () => {
    const total = 400;
    const lrs = Array.from({ length: total }, (_, i) => learningRateAt('cosine', 1e-3, i, total));
    expect(lrs[0]).toBeCloseTo(1e-3 / 20, 12); // warm-up of 20 steps
    expect(lrs[19]).toBeCloseTo(1e-3, 12);
    for (let i = 1; i < 20; i++) expect(lrs[i]).toBeGreaterThan(lrs[i - 1]);
    for (let i = 20; i < total; i++) expect(lrs[i]).toBeLessThanOrEqual(lrs[i - 1] + 1e-15);
    expect(lrs[total - 1]).toBeCloseTo(5e-5, 12);
    expect(learningRateAt('cosine', 1e-3, 5000, total)).toBeCloseTo(5e-5, 12); // past the end: stays at the floor
  });

  it("keeps the base rate with 'constant' and for one-step stages", () => {
    expect(learningRateAt('constant', 2e-4, 7, 100)).toBe(2e-4);
    expect(learningRateAt('cosine', 2e-4, 0, 1)).toBe(2e-4);
  });
});

describe('toleranceAt', () => {
  it('starts at the start value when the mask starts and shrinks geometrically to the end value', () => {
    expect(toleranceAt(4, 0.5, 80, 80, 400)).toBeCloseTo(4, 12);
    expect(toleranceAt(4, 0.5, 399, 80, 400)).toBeCloseTo(0.5, 12);
    const mid = toleranceAt(4, 0.5, 80 + 319 / 2, 80, 400);
    expect(mid).toBeCloseTo(Math.sqrt(4 * 0.5), 6);
    expect(toleranceAt(0.5, 0.5, 200, 80, 400)).toBe(0.5);
  });
});

describe('time-budgeted schedules', () => {
  it('split the budget 50/30/20 over the stages that run, renormalised', () => {
    expect(stageBudgets({ budgetSeconds: 0 }, ['stereo'])).toBeUndefined();
    expect(stageBudgets({ budgetSeconds: 100 }, ['stereo', 'distill', 'fuse'])).toEqual({ stereo: 50, distill: 30, fuse: 20 });
    const two = stageBudgets({ budgetSeconds: 80 }, ['stereo', 'fuse'])!;
    expect(two.stereo).toBeCloseTo((80 * 0.5) / 0.7, 9);
    expect(two.fuse).toBeCloseTo((80 * 0.2) / 0.7, 9);
    expect(stageBudgets({ budgetSeconds: 60 }, ['distill'])).toEqual({ distill: 60 });
  });

  it('follow the share of time used: the same warm-up and decay over time as over steps', () => {
    expect(schedulePosition(7, 300)).toEqual({ step: 7, total: 300 });
    expect(schedulePosition(7, 300, 0)).toEqual({ step: 0, total: BUDGET_STEPS });
    expect(schedulePosition(3, 300, 0.5)).toEqual({ step: BUDGET_STEPS / 2, total: BUDGET_STEPS });
    expect(schedulePosition(3, 300, 1.2).step).toBe(BUDGET_STEPS - 1);
    const lr = (p: number) => { const q = schedulePosition(0, 0, p); return learningRateAt('cosine', 1e-3, q.step, q.total); };
    expect(lr(0.0)).toBeCloseTo(1e-3 / 50, 12); // the first 5 % of the time warms up
    expect(lr(0.06)).toBeCloseTo(1e-3, 5);
    expect(lr(0.999)).toBeCloseTo(5e-5, 6);
  });
});
