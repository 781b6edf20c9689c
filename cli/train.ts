/**
 * Headless training on stereo scenes, with the same core, networks and stage code as the app:
 *
 *   npm run train -- --scenes <dir> [--stage all|stereo|distill|fuse] [--steps N] [--size WxH]
 *                    [--preset tiny|default] [--seed S] [--out <dir>] [--weights <dir>]
 *                    [--eval-every N] [--backend wasm|webgpu|cpu] [--threads N] [--gtScale S] [--<setting> value ...]
 *
 * <dir> is one scene folder (left.png, right.png, optional disp_left.*; or a Middlebury-style im0.png, im1.png,
 * disp0GT.pfm, mask0nocc.png) or a folder of them.
 * Any key of the settings table (src/config/settings.ts) is accepted as an option.
 * With --out, checkpoints are written after each stage (after-stereo/, after-distill/, final/)
 * with train-log.json (losses per step and, with --eval-every, StereoNet's metrics over steps;
 * a later run into the same --out, e.g. the next --stage, adds to it).
 * Ground truth, when present, is used for those metrics only, never for training. A PNG / PGM GT whose scale is
 * unknown (not a known dataset name, no gt_scale.txt beside it, no --gtScale S) leaves that scene without
 * metrics, with a line saying so; the scene still trains.
 * SIGINT or SIGTERM (Ctrl-C, `timeout`) stops the stage in progress after its current step and, with
 * --out, saves the weights so far into that stage's folder and the log, then exits; a second
 * signal exits at once. A stopped stage is not marked completed in the checkpoint.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STAGE_NAMES, stageBudgets, stageSteps, type StageName } from '../src/config/settings';
import * as tf from '@tensorflow/tfjs';
import type { TrainSettings } from '../src/config/settings';
import { disparityMetrics } from '../src/core/metrics';
import { registerWasmKernels } from '../src/backends/wasm';
import { singleNetConfig, stereoNetConfig } from '../src/model/config';
import { exportModel } from '../src/model/io';
import { buildSingleNet } from '../src/model/singleNet';
import { buildStereoNet } from '../src/model/stereoNet';
import { uploadScene } from '../src/train/pipeline';
import { predictMaps } from '../src/train/predict';
import { Runner } from '../src/train/runner';
import { CORPUS_VAL, trainCorpus } from './corpus';
import type { StepReport } from '../src/train/types';
import { gtScaleFlag, loadModel, loadScenes, logWasmThreads, modelSettings, parseArgs, Progress, runCli, saveModel, settingsFromArgs, threadsFlag, useNodeBackend } from './common';
import { describeAdapter, nodeAdapterInfo } from './nodeWebgpu';

const OWN = ['scenes', 'stage', 'out', 'weights', 'eval-every', 'size', 'steps', 'preset', 'seed', 'backend', 'threads', 'corpus', 'resume', 'checkpoint-every', 'hold-out'];
const CHECKPOINT_DIR: Record<StageName, string> = { stereo: 'after-stereo', distill: 'after-distill', fuse: 'final' };

async function main(): Promise<void> {
  const started = Date.now();
  const { flags } = parseArgs(process.argv.slice(2), []);
  const scenesDir = flags.get('scenes');
  if (!scenesDir) throw new Error('--scenes <dir> is required (a scene folder or a folder of scene folders)');
  const stageArg = flags.get('stage') ?? 'all';
  if (stageArg !== 'all' && !STAGE_NAMES.includes(stageArg as StageName)) throw new Error(`--stage must be all, ${STAGE_NAMES.join(', ')}; got "${stageArg}"`);
  const stages: StageName[] = stageArg === 'all' ? [...STAGE_NAMES] : [stageArg as StageName];
  // with --weights, the model's own training settings (as the app does when it loads one), then the flags
  const fromModel = flags.get('weights') && flags.get('resume') !== '1' ? await modelSettings(flags.get('weights')!) : {};
  const settings = settingsFromArgs(flags, OWN, fromModel);
  const out = flags.get('out');
  const evalEvery = Number(flags.get('eval-every') ?? 0);

  // the wasm overrides the app's worker trains with (copies, correlation and warp loops)
  registerWasmKernels();
  const backend = await useNodeBackend(flags.get('backend'), { threads: threadsFlag(flags), step: settings });
  if (flags.get('corpus') === '1' || (flags.get('corpus') !== '0' && existsSync(join(scenesDir, 'index.json')))) {
    await corpusMain(flags, scenesDir, stages, settings, backend, out, evalEvery);
    return;
  }
  // GT only feeds the metrics: a scene whose GT scale is unknown trains without them (the log says so)
  const scenes = await loadScenes(scenesDir, { gtScale: gtScaleFlag(flags), metricsOptional: true, log: (line) => console.log(line) });
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
      // with a time budget the bar counts seconds of the stage's share (its step count is only an estimate)
      const budget = r.budgetSec !== undefined ? Math.max(1, Math.round(r.budgetSec)) : undefined;
      if (r.step === 1) {
        progress = new Progress(`stage ${STAGE_NAMES.indexOf(r.stage) + 1}/3 ${r.stage}${budget ? ' (s)' : ''}`, budget ?? r.steps);
        stageStart = Date.now();
      }
      log.steps.push(r);
      const parts = Object.entries(r.losses).map(([k, v]) => `${k} ${v.toPrecision(3)}`).join(' ');
      progress!.update(budget ? Math.min(budget, Math.round(budget - r.etaSec)) : r.step, r.etaSec, `${budget ? `step ${r.step} ` : ''}${r.stepsPerSec.toFixed(2)} it/s ${parts}`);
      if (evalEvery > 0 && r.stage === 'stereo' && r.step % evalEvery === 0) await evaluate(r.stage, r.step);
    },
    onStageEnd: async (e) => {
      log.seconds[e.stage] = (Date.now() - stageStart) / 1000;
      const budget = stageBudgets(settings, stages)?.[e.stage];
      const took = `${(log.seconds[e.stage] ?? 0).toFixed(0)} s`;
      console.log(`stage ${e.stage}: ${budget !== undefined ? `${e.steps} steps in ${took} (its ${budget.toFixed(0)} s of the budget)` : `${e.steps} of ${stageSteps(settings, e.stage)} steps in ${took}`} (${e.reason})`);
      // each stage's weights into its own folder, before the next stage starts
      if (out && (e.reason === 'done' || e.steps > 0)) await saveModel(join(out, CHECKPOINT_DIR[e.stage]), await runner.checkpoint());
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
  // what a budgeted run costs besides its budget: start-up (backend, reading the pairs, the weights) before
  // the stages, and the saving after them
  const setupSec = (Date.now() - started) / 1000;
  const stagesStart = Date.now();

  // one run of all the stages, so a time budget is shared between them (settings.ts, stageBudgets)
  await runner.run(stages);
  const stagesSec = (Date.now() - stagesStart) / 1000;
  console.log(`run: ${setupSec.toFixed(1)} s set-up, ${stagesSec.toFixed(1)} s in the stages${settings.budgetSeconds > 0 ? ` (budget ${settings.budgetSeconds} s)` : ''}`);
  if (out) {
    // Stages run one by one into the same folder (--stage) add to its log instead of replacing it.
    const file = join(out, 'train-log.json');
    const before = await readFile(file, 'utf8').then((t) => JSON.parse(t) as Partial<typeof log> & { runs?: unknown[] }, () => undefined);
    const run = { settings, backend, scenes: scenes.map((s) => s.name), stages, setupSec, stagesSec };
    const merged = before?.steps && before.evals && before.seconds
      ? { ...run, runs: [...(before.runs ?? []), run], steps: [...before.steps, ...log.steps], evals: [...before.evals, ...log.evals], seconds: { ...before.seconds, ...log.seconds } }
      : { ...run, runs: [run], ...log };
    await writeFile(file, JSON.stringify(merged));
    console.log(`wrote ${out}`);
  }
  runner.dispose();
}

/**
 * Corpus training (a folder with index.json, or --corpus 1): the pairs stay 8-bit, crops are cut
 * per step (cli/corpus.ts), CORPUS_VAL (or --hold-out a,b) is kept out and scored every --eval-every
 * steps, and `<out>/checkpoint` is written every --checkpoint-every seconds (120) and at the end;
 * --resume 1 continues from it (weights, Adam moments, step and schedules).
 */
async function corpusMain(flags: Map<string, string>, dir: string, stages: StageName[], settings: TrainSettings, backend: string, out: string | undefined, evalEvery: number): Promise<void> {
  const resume = flags.get('resume') === '1';
  const ckpt = out ? join(out, 'checkpoint') : undefined;
  const fromCkpt = resume && ckpt && existsSync(join(ckpt, 'model.json'));
  const weights = fromCkpt ? ckpt : flags.get('weights');
  const loaded = weights ? await loadModel(weights) : undefined;
  const stereo = loaded?.nets.stereo ?? buildStereoNet(stereoNetConfig(settings.preset, { seed: settings.seed }));
  const single = loaded?.nets.single ?? buildSingleNet(singleNetConfig(settings.preset, { seed: settings.seed + 1 }));
  const completed: StageName[] = [...new Set((loaded?.modelJson.userDefinedMetadata.completedStages as StageName[] | undefined) ?? [])];
  const holdOut = flags.has('hold-out') ? flags.get('hold-out')!.split(',').filter(Boolean) : CORPUS_VAL;
  logWasmThreads(backend);
  console.log(`backend ${backend}; stereo ${stereo.paramCount()} parameters (${stereo.config.design ?? 'regress'}), single ${single.paramCount()}${weights ? `; from ${weights}` : ''}`);
  console.log(`settings ${JSON.stringify(settings)}`);
  const valScenes = evalEvery > 0 ? (await Promise.all(holdOut.map((n) => loadScenes(join(dir, n)).then((s) => s[0], () => undefined)))).filter((s) => s?.gtDisp) : [];
  const evaluate = async (stage: StageName) => {
    const m: Record<string, number> = {};
    for (const sc of valScenes) {
      const st = uploadScene(sc!);
      try {
        const maps = await predictMaps({ stereo, single: stage === 'stereo' ? undefined : single }, st);
        const r = disparityMetrics(stage === 'distill' ? maps.singleDisp! : maps.stereoDisp!, sc!.gtDisp!);
        m[sc!.name.replace(/^[a-z]+-/, "")] = r.all.epe;
      } finally {
        tf.dispose([st.leftImg, st.rightImg]);
      }
    }
    return m;
  };
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`\n${sig}: stopping after this step${out ? ' and saving a checkpoint' : ''} (again to quit at once)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const save = async (d: string, done: StageName[], progress?: { stage: StageName; step: number }) => {
    const nets = { stereo, single };
    await saveModel(d, await exportModel(nets, { settings, completedStages: [...done], ...(progress ? { progress } : {}) }));
  };
  const log = await trainCorpus({ dir, stages, settings, stereo, single, out, resume, checkpointEvery: Number(flags.get('checkpoint-every') ?? 120), evalEvery, exclude: holdOut, saveModel: save, evaluate: valScenes.length ? evaluate : undefined, completed, shouldStop: () => stopping });
  if (out) {
    const file = join(out, 'train-log.json');
    const before = await readFile(file, 'utf8').then((t) => JSON.parse(t) as { runs: unknown[] }, () => ({ runs: [] as unknown[] }));
    await writeFile(file, JSON.stringify({ runs: [...before.runs, { settings, backend, stages, holdOut, weights: weights ?? null, ...log }] }));
    console.log(`wrote ${out}`);
  }
  stereo.dispose();
  single.dispose();
}

runCli('train', main);
