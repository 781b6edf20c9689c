import { describe, expect, it } from 'vitest';
import { PreviewSchedule } from './previewSchedule';

/** Simulates `steps` training steps of `stepMs` each; a preview takes `previewMs`. Returns the steps after which a preview ran. */
async function simulate(opts: { everySteps: number; steps: number; stepMs: number; previewMs?: number; minIntervalMs?: number; maxIntervalMs?: number }): Promise<number[]> {
  let t = 0;
  const schedule = new PreviewSchedule(opts.everySteps, { now: () => t, minIntervalMs: opts.minIntervalMs, maxIntervalMs: opts.maxIntervalMs });
  const previews: number[] = [];
  for (let step = 1; step <= opts.steps; step++) {
    t += opts.stepMs;
    if (schedule.due(step, opts.steps)) {
      await schedule.timed(async () => {
        t += opts.previewMs ?? 0;
      });
      previews.push(step);
    }
  }
  return previews;
}

describe('PreviewSchedule', () => {
  it('fast steps: every N steps and the last step, as before', async () => {
    // 10 ms per step: 10 steps take 100 ms, far below the 1 s interval.
    expect(await simulate({ everySteps: 10, steps: 35, stepMs: 10 })).toEqual([10, 20, 30, 35]);
  });

  it('slow steps: a preview after every step once a second has passed (CPU at ~2 s per step)', async () => {
    expect(await simulate({ everySteps: 10, steps: 5, stepMs: 2000 })).toEqual([1, 2, 3, 4, 5]);
  });

  it('in between: about once a second even when N steps take much longer', async () => {
    // 300 ms per step with previews every 1000 steps: due every 4th step (1.2 s >= 1 s).
    const got = await simulate({ everySteps: 1000, steps: 20, stepMs: 300 });
    expect(got).toEqual([4, 8, 12, 16, 20]);
  });

  it('slow previews stretch the interval to 3x their cost, so they take about a quarter of the time', async () => {
    // Each preview costs 1 s: after the first one, the time rule waits 3 s (6 steps), not 1 s.
    expect(await simulate({ everySteps: 1000, steps: 20, stepMs: 500, previewMs: 1000, maxIntervalMs: 10_000 })).toEqual([2, 8, 14, 20]);
  });

  it('but not so far that the panels go more than ~2 s without a refresh (wait + preview under 1.8 s)', async () => {
    // Previews of 400 ms: 3x is a 1.2 s wait, under the cap (1.8 - 0.4 = 1.4 s), so it stands (6 steps of 200 ms).
    expect(await simulate({ everySteps: 1000, steps: 12, stepMs: 200, previewMs: 400 })).toEqual([5, 11, 12]);
    // Previews of 700 ms: 3x would wait 2.1 s; capped at 1.8 - 0.7 = 1.1 s, and one step (0.2 s) more after 1 s
    // would end past 1.8 s, so the look-ahead sends it after 1 s: a refresh every 1.7 s.
    expect(await simulate({ everySteps: 1000, steps: 20, stepMs: 200, previewMs: 700 })).toEqual([5, 10, 15, 20]);
    // Previews of 1.5 s: the wait never drops below the 1 s minimum.
    expect(await simulate({ everySteps: 1000, steps: 20, stepMs: 200, previewMs: 1500 })).toEqual([5, 10, 15, 20]);
  });

  it('looks a step ahead: with 900 ms steps, a preview after every step rather than gaps of 2.1 s', async () => {
    // Without the look-ahead: previews after steps 2, 4, 6 (wait 1.8 s + preview 0.3 s = 2.1 s between them).
    expect(await simulate({ everySteps: 1000, steps: 6, stepMs: 900, previewMs: 300 })).toEqual([2, 3, 4, 5, 6]);
    // Fast steps never trigger it: the 1 s rule comes first.
    expect(await simulate({ everySteps: 1000, steps: 25, stepMs: 100, previewMs: 50 })).toEqual([10, 20, 25]);
  });

  it('the interval counts from the end of the last preview, not from its start', async () => {
    let t = 0;
    const s = new PreviewSchedule(100, { now: () => t });
    t = 1000;
    expect(s.due(1, 1000)).toBe(true);
    await s.timed(async () => {
      t += 200;
    });
    t += 500;
    expect(s.due(2, 1000)).toBe(false);
    t += 400; // 900 ms after the preview ended, 1100 ms after it started
    expect(s.due(3, 1000)).toBe(false);
    t += 100;
    expect(s.due(4, 1000)).toBe(true);
  });
});

describe('PreviewSchedule.scaleFor', () => {
  /** A schedule whose previews cost `msPerMpx` ms per megapixel the networks ran on. */
  function costed(msPerMpx: number, opts: { fullResMaxMs?: number } = {}) {
    let t = 0;
    const s = new PreviewSchedule(10, { now: () => t, ...opts });
    const preview = async (pixels: number) => {
      const scale = s.scaleFor(pixels);
      await s.timed(async () => {
        t += (msPerMpx * pixels * scale * scale) / 1e6;
      }, pixels * scale * scale);
      return scale;
    };
    return { s, preview };
  }
  const PAIR = 741 * 497; // 0.37 Mpx

  it('full resolution first (nothing measured) and while a full pass is estimated within 800 ms', async () => {
    // 1.5 s per Mpx: a full preview of the pair takes 0.55 s
    const { preview } = costed(1500);
    expect([await preview(PAIR), await preview(PAIR), await preview(PAIR)]).toEqual([1, 1, 1]);
  });

  it('halves the scale (down to 1/8) when the full pass would not fit, and uses an earlier stage\'s cost from the start', async () => {
    // 3 s per Mpx: full 1.1 s > 0.8 s; half 0.28 s fits
    const slow = costed(3000);
    expect([await slow.preview(PAIR), await slow.preview(PAIR), await slow.preview(PAIR)]).toEqual([1, 0.5, 0.5]);
    const next = new PreviewSchedule(10, { msPerPixel: slow.s.msPerPixel });
    expect(next.scaleFor(PAIR)).toBe(0.5);
    // 100 s per Mpx: even 1/4 (2.3 s) is too slow; 1/8 is the floor
    const verySlow = costed(100_000);
    await verySlow.preview(PAIR);
    expect(verySlow.s.scaleFor(PAIR)).toBe(1 / 8);
  });

  it('goes back to full resolution only 20 % under the bound, so a cost near it does not flip the panels', () => {
    const s = new PreviewSchedule(10, { msPerPixel: 0.9e-3 }); // 1 Mpx: 900 ms at full resolution
    expect(s.scaleFor(1e6)).toBe(0.5);
    expect(s.scaleFor(0.75e6 / 0.9)).toBe(0.5); // 750 ms: fits 800 ms, not the 640 ms needed to come back from 1/2
    expect(s.scaleFor(0.6e6 / 0.9)).toBe(1); // 600 ms: back to full
    expect(new PreviewSchedule(10, { msPerPixel: 0.9e-3 }).scaleFor(0.75e6 / 0.9)).toBe(1); // 750 ms from full: stays full
  });
});
