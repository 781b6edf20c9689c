// A runner from a saved model (an import, a link, the pretrained model or an autosave): the
// networks are rebuilt and checked by importModel (shape and finiteness of every tensor), and
// the model's record of its training (stages finished, run progress) comes along. On any
// problem nothing is created and the error names it, so the caller's current runner stays.
import { STAGE_NAMES, type StageName, type TrainSettings } from '../config/settings';
import { importModel } from '../model/io';
import { Runner } from './runner';
import type { RunnerEvents, TrainScene } from './types';

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

/**
 * Builds a runner on `scenes` with the weights of a saved model. A network the model lacks is
 * built fresh from `settings`. SingleNet's maps are shown from the start when the model says it
 * was trained (stage 2 finished, or in progress).
 */
export async function runnerFromModel(modelJson: unknown, weightData: ArrayBuffer, scenes: TrainScene[], settings: TrainSettings, events: RunnerEvents): Promise<{ runner: Runner; run?: RunProgress }> {
  const { nets, modelJson: checked } = await importModel(modelJson, [weightData]);
  const meta = checked.userDefinedMetadata;
  const runner = new Runner(scenes, settings, events, nets);
  const completed = stagesOf(meta.completedStages);
  runner.completed.push(...completed);
  const run = runProgressOf(meta.run);
  const singleTrained = completed.includes('distill') || run?.current?.stage === 'distill' || run?.current?.stage === 'fuse';
  runner.singleLoaded = nets.single !== undefined && singleTrained;
  return { runner, ...(run ? { run } : {}) };
}
