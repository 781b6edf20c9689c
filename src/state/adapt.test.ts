// Adapt with the fake worker: it needs weights and pairs of the user's own; it trains those pairs
// only (not the samples) within its own budget, leaving the settings alone; it scores the pairs
// with GT before and after; a run interrupted by a reload resumes as Adapt with the rest of its
// budget. Plus the plain helpers of ./adapt.ts.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type TrainSettings } from '../config/settings';
import { decodeImage } from '../data/image';
import type { Decoders, IntakeFile } from '../data/intake';
import { buildSingleNet, buildStereoNet, exportModel, singleNetConfig, stereoNetConfig, type ModelJson } from '../model/index';
import { memoryRunStore } from '../persist/runStore';
import { TrainClient } from '../train/client';
import type { SetScenesRequest, ToWorker, TrainRequest } from '../train/protocol';
import { statusText } from '../ui/status';
import { adaptBudgetProblem, budgetLeft, ownPairs, scoreDepth, scoreMaps } from './adapt';
import { FakeWorker } from './fakeWorker';
import { createAppStore, type AppEnv, type AppState, type AppStore } from './store';

const nodeDecoders: Decoders = { image: async (blob, name) => decodeImage(new Uint8Array(await blob.arrayBuffer()), name) };
const publicDir = join(dirname(fileURLToPath(import.meta.url)), '../../public/');
/** Serves public/ under `base/`: the bundled samples. */
const fetcher = (async (url: string) => {
  try {
    return new Response(await readFile(join(publicDir, url.replace(/^base\//, ''))));
  } catch {
    return new Response('missing', { status: 404 });
  }
}) as typeof fetch;
// step counts no run could finish here: a run that ends went by its budget
const settings0: TrainSettings = { ...defaultSettings(), width: 64, height: 32, preset: 'tiny', stepsStereo: 100000, stepsDistill: 100000, stepsFuse: 100000, previewEvery: 1000 };

let saved: { modelJson: ModelJson; weightData: ArrayBuffer };

beforeAll(async () => {
  await tf.setBackend('cpu');
  const stereo = buildStereoNet(stereoNetConfig('tiny', { seed: 7 }));
  const single = buildSingleNet(singleNetConfig('tiny', { seed: 8 }));
  saved = await exportModel({ stereo, single }, { settings: { ...settings0, seed: 7 }, completedStages: ['stereo', 'distill', 'fuse'] });
  stereo.dispose();
  single.dispose();
});

async function setup(env: Partial<AppEnv> = {}, worker = Object.assign(new FakeWorker(), { model: saved })): Promise<{ store: AppStore; worker: FakeWorker }> {
  const store = createAppStore(new TrainClient(worker), { pageHasWebGpu: false, settings: settings0, decoders: nodeDecoders, ...env });
  await store.getState().init();
  await store.getState().loadSamples('base/', fetcher);
  return { store, worker };
}

const importModel = (store: AppStore) => store.getState().importModelFiles([{ path: 'model.json', blob: new Blob([JSON.stringify(saved.modelJson)]) }, { path: 'weights.bin', blob: new Blob([saved.weightData.slice(0)]) }]);

/** Tsukuba's files added by the user (so not a sample), its PGM GT given scale 16. */
async function addOwnPair(store: AppStore): Promise<string> {
  const file = async (f: string): Promise<IntakeFile> => ({ path: f, blob: new Blob([await readFile(join(publicDir, 'samples/tsukuba', f))]) });
  await store.getState().addFiles(await Promise.all(['left.png', 'right.png', 'disp_left.pgm'].map(file)));
  const id = store.getState().dataset.pairs.at(-1)!.id;
  await store.getState().answerGtScale(id, 16);
  return id;
}

const until = async (store: AppStore, cond: (s: AppState) => boolean) => {
  for (let i = 0; i < 3000 && !cond(store.getState()); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond(store.getState())).toBe(true);
};
const isTrain = (m: ToWorker): m is TrainRequest => m.type === 'train';
/** The ids of the pairs the worker was given last before the `n`-th train request. */
const sentBefore = (w: FakeWorker, n = 0) => {
  const at = w.received.indexOf(w.received.filter(isTrain)[n]);
  const set = w.received.slice(0, at).filter((m): m is SetScenesRequest => m.type === 'setScenes').at(-1)!;
  return set.scenes.map((s) => s.id);
};

describe('Adapt', () => {
  it("trains the loaded model on the user's pairs only, within its own budget, and scores them before and after", async () => {
    const { store, worker } = await setup();
    const samples = store.getState().dataset.pairs.map((p) => p.id);
    expect(store.getState().dataset.pairs.every((p) => p.sample)).toBe(true);

    // refused without weights, then without pairs of the user's own
    await store.getState().adapt();
    expect(store.getState().training.error).toMatch(/^Cannot adapt: load a model \(or train one\) first/);
    expect(await importModel(store)).toBe(true);
    await store.getState().adapt();
    expect(store.getState().training.error).toBe('Cannot adapt: add pairs of your own first (Adapt leaves the sample scenes out).');

    const own = await addOwnPair(store);
    expect(ownPairs(store.getState().dataset.pairs).map((p) => [p.id, p.hasGt])).toEqual([[own, true]]);
    store.getState().setAdaptSeconds(0);
    expect(store.getState().training).toMatchObject({ adaptSeconds: 60, adaptProblem: 'The time budget must be at least 1 s' });
    store.getState().setAdaptSeconds(1);
    expect(store.getState().training).toMatchObject({ adaptSeconds: 1, adaptProblem: undefined });

    store.getState().selectPair(own);
    // Adding the pair selected it too, so a second predict may be queued: wait for the last one asked for.
    await store.getState().showPair(own);
    expect(store.getState().buffers.previews.has(own)).toBe(true);
    const settingsBefore = store.getState().settings.values;
    worker.received.length = 0;
    worker.predicted.length = 0;
    const texts = new Set<string>();
    const unsub = store.subscribe((s) => texts.add(statusText(s)));
    await store.getState().adapt();
    unsub();
    const s = store.getState();
    expect(s.training.error).toBeUndefined();

    // one train request: all three stages, the step-count settings as they were, the budget beside them
    const trainsSent = worker.received.filter(isTrain);
    expect(trainsSent).toHaveLength(1);
    expect(trainsSent[0]).toMatchObject({ stages: ['stereo', 'distill', 'fuse'], budgetSeconds: 1, settings: { budgetSeconds: 0, stepsStereo: 100000 } });
    expect(s.settings.values).toBe(settingsBefore);
    // the worker had the user's pair only during the run, and every pair again after it
    expect(sentBefore(worker)).toEqual([own]);
    expect(worker.scenes.map((x) => x.id)).toEqual([...samples, own]);
    // scored from the loaded weights first, from the adapted ones at the end
    expect(worker.predicted).toEqual([own, own]);
    const types = worker.received.map((m) => m.type);
    expect(types.indexOf('predict')).toBeLessThan(types.indexOf('train'));
    expect(types.lastIndexOf('predict')).toBeGreaterThan(types.indexOf('train'));

    const a = s.training.adapt!;
    expect(a).toMatchObject({ budgetSec: 1, state: 'done', pairIds: [own], from: 'model.json + weights.bin' });
    expect(a.before[own].stereoDisp!.all.epe).toBeGreaterThan(0);
    expect(a.after[own].fusedDisp!.all.epe).toBeGreaterThan(0);
    expect(Object.keys(a.before)).toEqual([own]);
    expect(a.seconds).toBeGreaterThanOrEqual(0.95);
    expect(a.seconds).toBeLessThan(3);
    expect(s.training.progress.stereo).toMatchObject({ budgetSec: 0.5, state: 'done' });
    expect(s.training.progress.fuse!.budgetSec).toBeCloseTo(0.2);
    expect(s.training.lastEnd).toMatch(/^Adapted to 1 pair of yours in \d+\.\d s \(budget 1 s\): stage 1 \d+ steps, stage 2 \d+ steps, stage 3 \d+ steps\.$/);
    expect(statusText(s)).toBe(s.training.lastEnd);

    // the status said what it did, and the time left rather than an estimated step count
    expect(texts).toContain('Adapt: scoring the current weights on your pairs with ground truth…');
    expect(texts).toContain('Adapt: scoring the adapted weights on your pairs with ground truth…');
    const during = [...texts].filter((t) => t.startsWith('Adapt: Stage 1 of 3: StereoNet (self-supervised) — '));
    expect(during.length).toBeGreaterThan(0);
    for (const t of during) expect(t).toMatch(/ — (0:0[01] left of 0:01 \(run: 0:0[01] of 0:01 left\), step \d+|making)/);
    expect([...texts].some((t) => / \/ \d+/.test(t))).toBe(false);

    // a Train afterwards: the before / after no longer describe the weights
    store.getState().setSetting('stepsStereo', 2);
    store.getState().setSetting('stepsDistill', 1);
    store.getState().setSetting('stepsFuse', 1);
    await store.getState().train();
    expect(store.getState().training.adapt).toBeUndefined();
    expect(sentBefore(worker, 1)).toEqual([...samples, own]); // Train trains on every pair
    expect(worker.received.filter(isTrain)[1].budgetSeconds).toBeUndefined();
  }, 20_000);

  it('an Adapt interrupted by a reload resumes as Adapt: the user pairs only, the stages left with their shares of the budget', async () => {
    const runStore = memoryRunStore();
    const first = await setup({ runStore, autosaveMs: 1e9 });
    await importModel(first.store);
    await addOwnPair(first.store);
    first.store.getState().setAdaptSeconds(2);
    // the pairs saved now: saving them takes a while, and the fake worker shares this thread (its stages would lose that time)
    await first.store.getState().autosaveNow();
    const run = first.store.getState().adapt();
    await until(first.store, (s) => (s.training.progress.distill?.step ?? 0) >= 1);
    await first.store.getState().stop();
    await run; // the run end saves: stopped in stage 2
    expect(first.store.getState().training.adapt!.state).toBe('stopped');
    const savedStep = first.store.getState().autosave.lastSavedStep!;
    expect(savedStep.stage).toBe('distill');

    // a new page on the same storage
    const worker = Object.assign(new FakeWorker(), { model: saved });
    const store = createAppStore(new TrainClient(worker), { pageHasWebGpu: false, settings: defaultSettings(), decoders: nodeDecoders, runStore, autosaveMs: 1e9 });
    await store.getState().init();
    await store.getState().checkSavedRun();
    await store.getState().resumeSavedRun();
    await until(store, (s) => s.training.adapt?.state === 'done' || s.autosave.error !== undefined || s.training.error !== undefined);
    const s = store.getState();
    expect(s.autosave.error).toBeUndefined();
    expect(s.dataset.pairs.map((p) => [p.name, p.sample])).toEqual([['tsukuba', true], ['venus', true], ['teddy', true], ['cones', true], ['pair 1', false]]);
    const own = s.dataset.pairs[4].id;
    const train = worker.received.find(isTrain)!;
    expect(train).toMatchObject({ stages: ['distill', 'fuse'], from: savedStep, settings: { budgetSeconds: 0, stepsStereo: 100000 } });
    expect(train.budgetSeconds).toBeCloseTo(1); // (30 + 20) % of 2 s
    expect(sentBefore(worker)).toEqual([own]);
    expect(s.settings.stages).toEqual(['stereo', 'distill', 'fuse']);
  }, 20_000);
});

describe('Adapt helpers', () => {
  it('budget: whole seconds from 1 on; what is left of it for the stages left', () => {
    expect(adaptBudgetProblem(60)).toBeNull();
    expect(adaptBudgetProblem(0)).toBe('The time budget must be at least 1 s');
    expect(adaptBudgetProblem(1.5)).toMatch(/whole number/);
    expect(adaptBudgetProblem(NaN)).toMatch(/must be a number/);
    expect(budgetLeft(60, ['stereo', 'distill', 'fuse'], ['distill', 'fuse'])).toBeCloseTo(30);
    expect(budgetLeft(60, ['stereo', 'distill', 'fuse'], ['fuse'])).toBeCloseTo(12);
    expect(budgetLeft(10, ['distill', 'fuse'], ['fuse'])).toBeCloseTo(4);
  });

  it('scores: each map there is, against the GT; none when the sizes differ or there is no GT', () => {
    const gt = { width: 2, height: 1, data: new Float32Array([2, 4]) };
    const scene = { id: 'p', name: 'p', width: 2, height: 1, gtDisp: gt } as unknown as Parameters<typeof scoreMaps>[1];
    const scores = scoreMaps({ sceneId: 'p', width: 2, height: 1, stereoDisp: new Float32Array([3, 4]) }, scene);
    expect(Object.keys(scores)).toEqual(['stereoDisp']);
    expect(scores.stereoDisp!.all.epe).toBeCloseTo(0.5);
    expect(scoreMaps({ sceneId: 'p', width: 1, height: 2, stereoDisp: new Float32Array(2) }, scene)).toEqual({});
    expect(scoreMaps({ sceneId: 'p', width: 2, height: 1, stereoDisp: new Float32Array(2) }, { ...scene!, gtDisp: undefined })).toEqual({});
  });

  it('depth scores: each map against the GT, both through the pair\'s calibration (doffs included)', () => {
    const gt = { width: 2, height: 1, data: new Float32Array([2, 4]) };
    const scene = { id: 'p', name: 'p', width: 2, height: 1, gtDisp: gt } as unknown as Parameters<typeof scoreDepth>[1];
    // f B = 1000 * 0.1 = 100 m px; doffs 6: GT depths 100 / 8 and 100 / 10, predicted 100 / 10 and 100 / 10
    const calib = { focalPx: 1000, baselineM: 0.1, doffs: 6, source: 'calib.txt' };
    const scores = scoreDepth({ sceneId: 'p', width: 2, height: 1, stereoDisp: new Float32Array([4, 4]), fusedDisp: new Float32Array([2, 4]) }, scene, calib);
    expect(Object.keys(scores)).toEqual(['stereoDisp', 'fusedDisp']);
    expect(scores.stereoDisp!.absRel).toBeCloseTo((12.5 - 10) / 12.5 / 2, 12);
    expect([scores.stereoDisp!.a1, scores.stereoDisp!.a2]).toEqual([0.5, 1]); // ratio 1.25 is not < 1.25
    expect(scores.fusedDisp!.rmse).toBe(0);
    expect(scoreDepth({ sceneId: 'p', width: 1, height: 2, stereoDisp: new Float32Array(2) }, scene, calib)).toEqual({});
  });
});
