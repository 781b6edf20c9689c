// A runner from a saved model (an import, a link, the pretrained model or an autosave): the
// networks are rebuilt and checked by importModel (shape and finiteness of every tensor), and
// the model's record of its training (stages finished, run progress) comes along. On any
// problem nothing is created and the error names it, so the caller's current runner stays.
import type { TrainSettings } from '../config/settings';
import { importModel } from '../model/io';
import { Runner } from './runner';
import { runProgressOf, stagesOf, type RunProgress } from './runProgress';
import type { RunnerEvents, TrainScene } from './types';

export { remainingOf, runProgressOf, stagesOf, type RunProgress } from './runProgress';

/**
 * Builds a runner on `scenes` with the weights of a saved model. A network the model lacks is
 * built fresh from `settings`. SingleNet's maps are shown from the start when the model says it
 * was trained (stage 2 finished, or in progress). `scenes` may be a getter: it is read once the
 * weights are in, so pairs that changed while they were read (the worker takes setScenes during the
 * import) are the ones the runner gets. Tested in modelLoad.test.ts.
 */
export async function runnerFromModel(modelJson: unknown, weightData: ArrayBuffer, scenes: TrainScene[] | (() => TrainScene[]), settings: TrainSettings, events: RunnerEvents): Promise<{ runner: Runner; run?: RunProgress }> {
  const { nets, modelJson: checked } = await importModel(modelJson, [weightData]);
  const meta = checked.userDefinedMetadata;
  const runner = new Runner(typeof scenes === 'function' ? scenes() : scenes, settings, events, nets);
  const completed = stagesOf(meta.completedStages);
  runner.completed.push(...completed);
  const run = runProgressOf(meta.run);
  const singleTrained = completed.includes('distill') || run?.current?.stage === 'distill' || run?.current?.stage === 'fuse';
  runner.singleLoaded = nets.single !== undefined && singleTrained;
  return { runner, ...(run ? { run } : {}) };
}
