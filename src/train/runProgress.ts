// Where a run stands: the stages it was asked for, those it finished and the step of the one in
// progress. Saved in checkpoints (metadata `run`), read back from untrusted files, and turned
// into what is left to train on resuming. Plain data, no tfjs (the page uses it too).
import { STAGE_NAMES, type StageName } from '../config/settings';

/** Where a run stood when its checkpoint was taken (kept in model.json as `run`). */
export interface RunProgress {
  /** The stages the run was asked to train, in order. */
  stages: StageName[];
  /** Those it finished. */
  done: StageName[];
  /** The stage in progress and the steps it had done. */
  current?: { stage: StageName; step: number };
}

function isStage(x: unknown): x is StageName {
  return typeof x === 'string' && (STAGE_NAMES as readonly string[]).includes(x);
}

/** Stage names from untrusted metadata (anything else is dropped). */
export function stagesOf(x: unknown): StageName[] {
  return Array.isArray(x) ? x.filter(isStage) : [];
}

/** A run's progress from untrusted metadata, or undefined when it holds none. */
export function runProgressOf(x: unknown): RunProgress | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Record<string, unknown>;
  const stages = stagesOf(r.stages);
  if (stages.length === 0) return undefined;
  const c = r.current as Record<string, unknown> | undefined;
  const current = c && isStage(c.stage) && Number.isInteger(c.step) && (c.step as number) >= 0 ? { stage: c.stage, step: c.step as number } : undefined;
  return { stages, done: stagesOf(r.done), ...(current ? { current } : {}) };
}

/** What is left of a run: the stages still to train and where the first one starts. */
export function remainingOf(run: RunProgress): { stages: StageName[]; from?: { stage: StageName; step: number } } {
  const stages = run.stages.filter((s) => !run.done.includes(s));
  const from = run.current && stages.includes(run.current.stage) ? run.current : undefined;
  return { stages: from ? stages.filter((s) => STAGE_NAMES.indexOf(s) >= STAGE_NAMES.indexOf(from.stage)) : stages, ...(from ? { from } : {}) };
}

/** One stage of a run, for the run's time estimate. */
export interface StagePlan {
  stage: StageName;
  /** Steps the stage takes in all, and those it has done. */
  steps: number;
  done: number;
  /** Measured milliseconds per step (wall time, previews included), when known. */
  msPerStep?: number;
  /** With a time budget: the stage's share in seconds (it lasts that long, whatever a step costs). */
  budgetSec?: number;
  /** Seconds left as the stage reports them while it runs (a budget stage's time left), when known. */
  leftSec?: number;
}

export interface RunEstimate {
  /** The whole run's time, and what is left of it, in seconds. */
  totalSec: number;
  leftSec: number;
  /** Stages with no step time measured yet: estimated at the mean step time of those measured. */
  assumed: StageName[];
}

/**
 * The time of a run of `plans` from measured step times: steps x milliseconds per step for each
 * stage (a budget stage: its share). A stage not measured yet is taken at the mean step time of
 * the measured ones (and listed in `assumed`); undefined when no stage that needs one has a step
 * time. The one-off label passes of stages 2 and 3 are not in it.
 */
export function estimateRun(plans: readonly StagePlan[]): RunEstimate | undefined {
  const measured = plans.map((p) => p.msPerStep).filter((ms): ms is number => ms !== undefined && Number.isFinite(ms) && ms > 0);
  const fallback = measured.length > 0 ? measured.reduce((a, b) => a + b, 0) / measured.length : undefined;
  let totalSec = 0;
  let leftSec = 0;
  const assumed: StageName[] = [];
  for (const p of plans) {
    if (p.budgetSec !== undefined) {
      totalSec += p.budgetSec;
      leftSec += p.leftSec ?? (p.done >= p.steps && p.steps > 0 ? 0 : p.budgetSec);
      continue;
    }
    const own = p.msPerStep !== undefined && Number.isFinite(p.msPerStep) && p.msPerStep > 0 ? p.msPerStep : undefined;
    const ms = own ?? fallback;
    if (ms === undefined) return undefined;
    if (own === undefined && p.done < p.steps) assumed.push(p.stage);
    totalSec += (p.steps * ms) / 1000;
    leftSec += p.leftSec ?? (Math.max(0, p.steps - p.done) * ms) / 1000;
  }
  return { totalSec, leftSec, assumed };
}
