import { describe, expect, it } from 'vitest';
import { stageBadge } from './TrainingPanel';

describe('stageBadge', () => {
  it('a stage the last run cut short says where it stopped, even when an earlier run had finished it', () => {
    const cut = { step: 10, steps: 100, stepsPerSec: 2, etaSec: 45, state: 'cancelled' as const };
    expect(stageBadge(true, cut)).toBe('stopped at 10 / 100');
    expect(stageBadge(false, cut)).toBe('stopped at 10 / 100');
    expect(stageBadge(true, { ...cut, budgetSec: 30 })).toBe('stopped at step 10');
  });

  it('"trained" only for a finished stage not cut short since; nothing otherwise', () => {
    expect(stageBadge(true, { step: 100, steps: 100, stepsPerSec: 2, etaSec: 0, state: 'done' })).toBe('trained');
    expect(stageBadge(true, undefined)).toBe('trained');
    expect(stageBadge(false, { step: 0, steps: 100, stepsPerSec: 0, etaSec: NaN, state: 'waiting' })).toBeUndefined();
  });
});
