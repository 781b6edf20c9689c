/**
 * Headless training on stereo scenes, with the same core, networks and stage code as the app:
 *
 *   npm run train -- --scenes <dir> [--stage all|stereo|distill|fuse] [--steps N] [--size WxH]
 *                    [--preset tiny|default] [--seed S] [--out <dir>] [--weights <dir>]
 *                    [--eval-every N] [--backend wasm|webgpu|cpu] [--threads N] [--<setting> value ...]
 *
 * <dir> is one scene folder (left.png, right.png, optional disp_left.*) or a folder of them.
 * Any key of the settings table (src/config/settings.ts) is accepted as an option.
 * With --out, checkpoints are written after each stage (after-stereo/, after-distill/, final/)
 * with train-log.json (losses per step and, with --eval-every, StereoNet's metrics over steps;
 * a later run into the same --out, e.g. the next --stage, adds to it).
 * Ground truth, when present, is used for those metrics only, never for training.
 * SIGINT or SIGTERM (Ctrl-C, `timeout`) stops the stage in progress after its current step and, with
 * --out, saves the weights so far into that stage's folder and the log, then exits; a second
 * signal exits at once. A stopped stage is not marked completed in the checkpoint.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STAGE_NAMES, stageSteps, type StageName } from '../src/config/settings';
import { Runner } from '../src/train/runner';
import type { StepReport } from '../src/train/types';
import { loadModel, loadScenes, logWasmThreads, parseArgs, Progress, runCli, saveModel, settingsFromArgs, threadsFlag, useNodeBackend } from './common';
import { describeAdapter, nodeAdapterInfo } from './nodeWebgpu';

const OWN = ['scenes', 'stage', 'out', 'weights', 'eval-every', 'size', 'steps', 'preset', 'seed', 'backend', 'threads'];
const CHECKPOINT_DIR: Record<StageName, string> = { stereo: 'after-stereo', distill: 'after-distill', fuse: 'final' };

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), []);
  const scenesDir = flags.get('scenes');
  if (!scenesDir) throw new Error('--scenes <dir> is required (a scene folder or a folder of scene folders)');
  const stageArg = flags.get('stage') ?? 'all';
  if (stageArg !== 'all' && !STAGE_NAMES.includes(stageArg as StageName)) throw new Error(`--stage must be all, ${STAGE_NAMES.join(', ')}; got "${stageArg}"`);
  const stages: StageName[] = stageArg === 'all' ? [...STAGE_NAMES] : [stageArg as StageName];
  const settings = settingsFromArgs(flags, OWN);
  const out = flags.get('out');
  const evalEvery = Number(flags.get('eval-every') ?? 0);

  const backend = await useNodeBackend(flags.get('backend'), { threads: threadsFlag(flags), step: settings });
  const scenes = await loadScenes(scenesDir);
  const loaded = flags.get('weights') ? await loadModel(flags.get('weights')!) : undefined;
  const adapter = nodeAdapterInfo();
  if (adapter) console.log(describeAdapter(adapter));
  logWasmThreads(backend);
  console.log(`backend ${backend}; ${scenes.length} scene(s): ${scenes.map((s) => `${s.name} ${s.width}x${s.height}`).join(', ')}`);
  console.log(`settings ${JSON.stringify(settings)}`);

  const log: { steps: StepReport[]; evals: { stage: StageName; step: number; sceneId: string; epe: number; bad3: number; d1: number }[]; seconds: Partial<Record<StageName, number>> } = { steps: [], evals: [], seconds: {} };
  let progress: Progress | undefined;
  let stageStart = Date.now();
  let runner!: Runner;
  const evaluate = async (stage: StageName, step: number) => {
    for (const s of scenes.filter((sc) => sc.gtDisp)) {
      const m = (await runner.evaluate(s.id)).stereo!.all;
      log.evals.push({ stage, step, sceneId: s.id, epe: m.epe, bad3: m.bad3, d1: m.d1 });
    }
  };
  runner = new Runner(scenes, settings, {
    onStep: async (r) => {
      if (r.step === 1) {
        progress = new Progress(`stage ${STAGE_NAMES.indexOf(r.stage) + 1}/3 ${r.stage}`, r.steps);
        stageStart = Date.now();
      }
      log.steps.push(r);
      const parts = Object.entries(r.losses).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(' ');
      progress!.update(r.step, r.etaSec, `${r.stepsPerSec.toFixed(2)} it/s ${parts}`);
      if (evalEvery > 0 && r.stage === 'stereo' && r.step % evalEvery === 0) await evaluate(r.stage, r.step);
    },
    onStageEnd: (e) => {
      log.seconds[e.stage] = (Date.now() - stageStart) / 1000;
    },
  }, loaded?.nets ?? {});
  if (loaded) {
    runner.singleLoaded = !!loaded.nets.single;
    // (a checkpoint may list a stage twice: older versions appended each run of it)
    for (const st of (loaded.modelJson.userDefinedMetadata.completedStages as StageName[] | undefined) ?? []) if (!runner.completed.includes(st)) runner.completed.push(st);
  }
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${sig}: stopping after this step${out ? ' and saving the weights so far' : ''} (again to quit at once)`);
    runner.cancel();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  if (evalEvery > 0 && stages.includes('stereo')) await evaluate('stereo', 0);

  for (const stage of stages) {
    if (stopping) break;
    const [end] = await runner.run([stage]);
    console.log(`stage ${stage}: ${end.steps} of ${stageSteps(settings, stage)} steps in ${(log.seconds[stage] ?? 0).toFixed(0)} s (${end.reason})`);
    if (out && (end.reason === 'done' || end.steps > 0)) await saveModel(join(out, CHECKPOINT_DIR[stage]), await runner.checkpoint());
  }
  if (out) {
    // Stages run one by one into the same folder (--stage) add to its log instead of replacing it.
    const file = join(out, 'train-log.json');
    const before = await readFile(file, 'utf8').then((t) => JSON.parse(t) as Partial<typeof log> & { runs?: unknown[] }, () => undefined);
    const run = { settings, backend, scenes: scenes.map((s) => s.name), stages };
    const merged = before?.steps && before.evals && before.seconds
      ? { ...run, runs: [...(before.runs ?? []), run], steps: [...before.steps, ...log.steps], evals: [...before.evals, ...log.evals], seconds: { ...before.seconds, ...log.seconds } }
      : { ...run, runs: [run], ...log };
    await writeFile(file, JSON.stringify(merged));
    console.log(`wrote ${out}`);
  }
  runner.dispose();
}

runCli('train', main);
