// When the runner sends a preview of the maps during training. Step-based alone (every
// `previewEvery` steps) leaves the panels still for ~20 s when a step takes 2 s (CPU, software
// WebGPU), so a preview is also due after any step once `minIntervalMs` has passed since the
// last one. A preview costs a forward pass and a read-back, so the time rule never spends more
// than about 1 / (1 + costFactor) of the wall time on previews: the interval grows to
// `costFactor` times the duration of the last preview when previews are slow, but no further
// than keeps a refresh every `maxIntervalMs` (wait + preview; the panels must not look frozen).
// It also looks one step ahead: when waiting for the next step would overshoot `maxIntervalMs`,
// the preview comes now (as long as the wait has at least matched the preview's own cost).
//
// At what scale (`scaleFor`): the networks are not scale-equivariant, so a map predicted on the
// pair shrunk to half its width is a different answer from the full-size one (issue 24: a 741x497
// pair paused at step 10 showed 54.7-99.7 px live and 19.9-36.4 px after Stop). A preview is
// therefore the full-resolution answer whenever that fits the time rule above: while the full
// pass is estimated (from the cost per pixel of the last previews) at most `fullResMaxMs`. The
// default, maxIntervalMs - minIntervalMs = 800 ms, is the longest preview that still lets the
// panels refresh every 1.8 s after a 1 s wait. Measured (Node, wasm, the CLI's code: predictMaps
// on a synthetic pair, on a 2-core machine shared with other jobs, so absolute times spread 4x;
// the ratios held): the default network on a 741x497 pair, StereoNet alone, 1.0-1.1 s at full
// width against 0.5-0.65 s at the old 512-px preview width in the quietest run (4.4-7.2 s against
// 2.0-4.1 s loaded), with SingleNet and the fused map 1.15-1.3 s against 0.64-0.79 s; the tiny
// network on a 384x288 sample 0.2-0.45 s (StereoNet) and 0.6-0.9 s (both) at full width against
// 0.08-0.3 s at the old 128 px. So on a CPU the full answer costs about 2-3x the old
// preview, and a large pair's may not fit: a preview estimated slower than the bound runs on
// the pair shrunk by 1/2 (or 1/4, 1/8) and is marked so (PreviewMaps.scale; the panel says
// "preview at 1/2 scale"). A paused run always sends the full-resolution answer
// (src/train/runner.ts), as do Stop and the end of a run (the page predicts the pair then).

export interface PreviewScheduleOptions {
  /** Wanted time between previews in ms (the panels refresh at least this often). */
  minIntervalMs?: number;
  /** The time rule waits at least this many times the last preview's duration... */
  costFactor?: number;
  /** ...but the wait plus the preview stay under this (ms), as long as that leaves `minIntervalMs`. */
  maxIntervalMs?: number;
  /** A preview runs at full resolution while its estimated cost is at most this (ms); see above. */
  fullResMaxMs?: number;
  /** Preview milliseconds per pixel measured before (e.g. in the previous stage), until this schedule measures its own. */
  msPerPixel?: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

export class PreviewSchedule {
  private readonly minIntervalMs: number;
  private readonly costFactor: number;
  private readonly maxIntervalMs: number;
  private readonly now: () => number;
  /** When the last preview ended (or the schedule started). */
  private lastEnd: number;
  private lastCost = 0;
  /** When `due` was last asked, or the last preview ended (the step after it starts there). */
  private lastMark: number;
  /** Duration of the last step, as seen between two calls of `due`. */
  private lastStepMs = 0;
  private readonly fullResMaxMs: number;
  /** Smoothed cost of a preview per pixel the networks ran on (ms), undefined until measured. */
  private costPerPixel?: number;
  /** The scale of the last preview chosen by `scaleFor` (1 = full resolution). */
  private lastScale = 1;

  constructor(private readonly everySteps: number, opts: PreviewScheduleOptions = {}) {
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.costFactor = opts.costFactor ?? 3;
    this.maxIntervalMs = opts.maxIntervalMs ?? 1800;
    this.fullResMaxMs = opts.fullResMaxMs ?? this.maxIntervalMs - this.minIntervalMs;
    this.costPerPixel = opts.msPerPixel;
    this.now = opts.now ?? (() => performance.now());
    this.lastEnd = this.now();
    this.lastMark = this.lastEnd;
  }

  /** Whether a preview is due after 1-based `step` of a stage of `steps` steps. */
  due(step: number, steps: number): boolean {
    const t = this.now();
    this.lastStepMs = t - this.lastMark;
    this.lastMark = t;
    if (step % this.everySteps === 0 || step === steps) return true;
    const since = t - this.lastEnd;
    const stretched = Math.min(this.costFactor * this.lastCost, this.maxIntervalMs - this.lastCost);
    if (since >= Math.max(this.minIntervalMs, stretched)) return true;
    return since >= this.lastCost && since + this.lastStepMs + this.lastCost > this.maxIntervalMs;
  }

  /**
   * The scale to predict a pair of `pixels` pixels at: 1 (full resolution) when the estimated
   * cost of a full-resolution preview is at most `fullResMaxMs` (or nothing is measured yet),
   * else the largest of 1/2, 1/4, 1/8 whose estimate fits (1/8 at least). Going back up to full
   * resolution needs the estimate 20 % under the bound, so a cost near it does not make the
   * panels flip between the two answers.
   */
  scaleFor(pixels: number): number {
    if (this.costPerPixel === undefined) return (this.lastScale = 1);
    const full = this.costPerPixel * pixels;
    const bound = this.lastScale < 1 ? 0.8 * this.fullResMaxMs : this.fullResMaxMs;
    let scale = 1;
    while (scale > 1 / 8 && full * scale * scale > bound) scale /= 2;
    return (this.lastScale = scale);
  }

  /** The measured preview cost per pixel (ms), for the next stage's schedule. */
  get msPerPixel(): number | undefined {
    return this.costPerPixel;
  }

  /**
   * Runs the preview `make` and records when it ended and how long it took; `pixels`: how many
   * pixels the networks ran on, which `scaleFor` turns into a cost per pixel.
   */
  async timed<T>(make: () => Promise<T>, pixels?: number): Promise<T> {
    const t0 = this.now();
    try {
      return await make();
    } finally {
      this.lastEnd = this.now();
      this.lastCost = this.lastEnd - t0;
      this.lastMark = this.lastEnd;
      if (pixels !== undefined && pixels > 0) {
        const c = this.lastCost / pixels;
        this.costPerPixel = this.costPerPixel === undefined ? c : 0.5 * this.costPerPixel + 0.5 * c;
      }
    }
  }
}
