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
