// When the runner sends a preview of the maps during training. Step-based alone (every
// `previewEvery` steps) leaves the panels still for ~20 s when a step takes 2 s (CPU, software
// WebGPU), so a preview is also due after any step once `minIntervalMs` has passed since the
// last one. A preview costs a forward pass and a read-back, so the time rule never spends more
// than about 1 / (1 + costFactor) of the wall time on previews: the interval grows to
// `costFactor` times the duration of the last preview when previews are slow, but no further
// than keeps a refresh every `maxIntervalMs` (wait + preview; the panels must not look frozen).
// It also looks one step ahead: when waiting for the next step would overshoot `maxIntervalMs`,
// the preview comes now (as long as the wait has at least matched the preview's own cost).

export interface PreviewScheduleOptions {
  /** Wanted time between previews in ms (the panels refresh at least this often). */
  minIntervalMs?: number;
  /** The time rule waits at least this many times the last preview's duration... */
  costFactor?: number;
  /** ...but the wait plus the preview stay under this (ms), as long as that leaves `minIntervalMs`. */
  maxIntervalMs?: number;
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

  constructor(private readonly everySteps: number, opts: PreviewScheduleOptions = {}) {
    this.minIntervalMs = opts.minIntervalMs ?? 1000;
    this.costFactor = opts.costFactor ?? 3;
    this.maxIntervalMs = opts.maxIntervalMs ?? 1800;
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

  /** Runs the preview `make` and records when it ended and how long it took. */
  async timed<T>(make: () => Promise<T>): Promise<T> {
    const t0 = this.now();
    try {
      return await make();
    } finally {
      this.lastEnd = this.now();
      this.lastCost = this.lastEnd - t0;
      this.lastMark = this.lastEnd;
    }
  }
}
