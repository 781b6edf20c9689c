// The model and autosave slices with the fake worker: loading from a URL, files and link
// fragments (and refusing bad ones without touching the current model), share links, autosave
// while training and resuming from it.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type TrainSettings } from '../config/settings';
import { decodeImage } from '../data/image';
import type { Decoders } from '../data/intake';
import { solidRgbPng } from '../testing/images';
import { buildSingleNet, buildStereoNet, exportModel, singleNetConfig, stereoNetConfig, type ModelJson } from '../model/index';
import { memoryRunStore } from '../persist/runStore';
import { linkedModel } from '../persist/modelUrl';
import { introText } from '../ui/intro';
import { settingsNote } from './modelSlice';
import { TrainClient } from '../train/client';
import type { LoadModelRequest, TrainRequest } from '../train/protocol';
import { FakeWorker } from './fakeWorker';
import { createAppStore, type AppEnv, type AppState, type AppStore } from './store';

const nodeDecoders: Decoders = { image: async (blob, name) => decodeImage(new Uint8Array(await blob.arrayBuffer()), name) };
const PAGE = 'https://example.org/app/?backend=wasm';
const settings0: TrainSettings = { ...defaultSettings(), width: 64, height: 32, preset: 'tiny', stepsStereo: 30, stepsDistill: 10, stepsFuse: 0, previewEvery: 5 };

let saved: { modelJson: ModelJson; weightData: ArrayBuffer };

beforeAll(async () => {
  await tf.setBackend('cpu');
  const stereo = buildStereoNet(stereoNetConfig('tiny', { seed: 7 }));
  const single = buildSingleNet(singleNetConfig('tiny', { seed: 8 }));
  saved = await exportModel({ stereo, single }, { settings: { ...settings0, seed: 7, stepsStereo: 123 }, completedStages: ['stereo'] });
  stereo.dispose();
  single.dispose();
});

/** Serves files from a table; 404 for anything else. Records the URLs asked for. */
function serve(files: Record<string, BodyInit>) {
  const asked: string[] = [];
  const fetcher = (async (input: RequestInfo | URL) => {
    asked.push(String(input));
    const body = files[String(input)];
    return body === undefined ? new Response('nope', { status: 404, statusText: 'Not Found' }) : new Response(body);
  }) as typeof fetch;
  return { fetcher, asked };
}

async function setup(env: Partial<AppEnv> = {}, worker = new FakeWorker()): Promise<{ store: AppStore; worker: FakeWorker }> {
  const store = createAppStore(new TrainClient(worker), { pageHasWebGpu: false, settings: settings0, decoders: nodeDecoders, pageHref: () => PAGE, ...env });
  await store.getState().init();
  const png = () => new Blob([solidRgbPng(64, 32) as BlobPart]);
  await store.getState().addFiles([{ path: 'a/left.png', blob: png() }, { path: 'a/right.png', blob: png() }]);
  return { store, worker };
}

const until = async (store: AppStore, cond: (s: AppState) => boolean) => {
  for (let i = 0; i < 3000 && !cond(store.getState()); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond(store.getState())).toBe(true);
};
const loads = (w: FakeWorker) => w.received.filter((m): m is LoadModelRequest => m.type === 'loadModel');
const trains = (w: FakeWorker) => w.received.filter((m): m is TrainRequest => m.type === 'train');

describe('loading a model', () => {
  it('from a relative URL: progress, the settings it was trained with, and its maps of the selected pair at once', async () => {
    const files = serve({ 'https://example.org/app/runs/model.json': JSON.stringify(saved.modelJson), 'https://example.org/app/runs/weights.bin': saved.weightData.slice(0) });
    const { store, worker } = await setup({ fetcher: files.fetcher });
    const seen: number[] = [];
    store.subscribe((s) => s.model.loading && seen.push(s.model.loading.loaded));
    expect(await store.getState().loadModelFromUrl('runs/model.json')).toBe(true);
    const s = store.getState();
    expect(s.model.error).toBeUndefined();
    expect(s.model.info).toBe('Loaded https://example.org/app/runs/model.json (tiny networks, seed 7; trained: stage 1).');
    expect(seen.at(-1)).toBe(saved.weightData.byteLength);
    expect(s.settings.values.seed).toBe(7);
    expect(s.settings.values.stepsStereo).toBe(123);
    expect(loads(worker)[0].settings.seed).toBe(7);
    expect(s.training).toMatchObject({ hasWeights: true, completed: ['stereo'], lastEnd: 'Loaded the model from https://example.org/app/runs/model.json.' });
    expect(s.buffers.previews.get(s.dataset.selectedId!)?.stereoDisp).toBeDefined();
  });

  it('a failure of any kind leaves the current model, settings and maps as they were', async () => {
    const good = serve({ 'https://example.org/app/m/model.json': JSON.stringify(saved.modelJson), 'https://example.org/app/m/weights.bin': saved.weightData.slice(0) });
    const { store, worker } = await setup({ fetcher: good.fetcher });
    expect(await store.getState().loadModelFromUrl('m/model.json')).toBe(true);
    const before = () => {
      const s = store.getState();
      return { values: s.settings.values, training: s.training, preview: s.buffers.previews.get(s.dataset.selectedId!), origin: s.model.origin };
    };
    const snapshot = before();
    const expectRefused = async (value: string, re: RegExp) => {
      expect(await store.getState().loadModelFromUrl(value)).toBe(false);
      expect(store.getState().model.error).toMatch(re);
      expect(before()).toEqual(snapshot);
      expect(store.getState().model.loading).toBeUndefined();
    };
    await expectRefused('m/missing.json', /HTTP 404 Not Found \(no such file\)/);
    await expectRefused('javascript:alert(1)', /Only http\(s\) addresses/);
    await expectRefused('pretrained/default', /No pretrained model "default" is installed with this app: https:\/\/example\.org\/app\/pretrained\/default\/model\.json is missing/);
    expect(good.asked.filter((u) => u.startsWith('javascript'))).toEqual([]);
    worker.failLoad = 'weight "stereo/c1/kernel" contains NaN or infinite values';
    await expectRefused('m/model.json', /contains NaN or infinite values/);
    expect(loads(worker)).toHaveLength(2); // the good one and the one the worker refused
  });

  it('from picked or dropped files, and not while training', async () => {
    const { store, worker } = await setup();
    const files = [{ path: 'model.json', blob: new Blob([JSON.stringify(saved.modelJson)]) }, { path: 'weights.bin', blob: new Blob([saved.weightData]) }];
    expect(await store.getState().importModelFiles(files)).toBe(true);
    expect(store.getState().model.origin).toEqual({ kind: 'files', label: 'model.json + weights.bin' });
    worker.stepMs = 5;
    const run = store.getState().train();
    await until(store, (s) => s.training.phase === 'running');
    expect(await store.getState().importModelFiles(files)).toBe(false);
    expect(store.getState().model.error).toMatch(/Stop the training before loading a model/);
    await store.getState().stop();
    await run;
  });
});

describe('share links', () => {
  it('a link with the weights inside loads the same model and settings in a new page', async () => {
    const a = await setup({}, Object.assign(new FakeWorker(), { model: saved }));
    expect(await a.store.getState().importModelFiles([{ path: 'model.json', blob: new Blob([JSON.stringify(saved.modelJson)]) }, { path: 'weights.bin', blob: new Blob([saved.weightData]) }])).toBe(true);
    await a.store.getState().shareInline();
    const share = a.store.getState().model.share;
    expect(share.error).toBeUndefined();
    expect(share.link).toMatch(/^https:\/\/example\.org\/app\/\?width=64&height=32&preset=tiny&stepsStereo=123&stepsDistill=10&stepsFuse=0&seed=7&previewEvery=5#w=[A-Za-z0-9_-]+$/);
    expect(share.note).toMatch(/^Weights inside the link at float16 precision; [\d,]+ characters/);
    const linked = linkedModel(share.link!);
    expect(linked?.kind).toBe('fragment');
    const b = await setup({ pageHref: () => share.link! });
    expect(await b.store.getState().loadModelFromFragment((linked as { text: string }).text)).toBe(true);
    const got = loads(b.worker)[0];
    expect((got.modelJson as ModelJson).userDefinedMetadata.settings).toEqual((saved.modelJson.userDefinedMetadata.settings));
    expect(b.store.getState().settings.values.seed).toBe(7);
    // float16: every weight within 2^-11 of the original (the first carries the fake step count 0)
    const [x, y] = [new Float32Array(saved.weightData), new Float32Array(got.weightData)];
    expect(y.length).toBe(x.length);
    for (let i = 1; i < x.length; i++) expect(Math.abs(y[i] - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -11 + 2 ** -25);
  });

  it('a model too large for a link says so and how to share it instead', async () => {
    const stereo = buildStereoNet(stereoNetConfig('default', { seed: 1 }));
    const single = buildSingleNet(singleNetConfig('default', { seed: 2 }));
    const big = await exportModel({ stereo, single }, { settings: { ...settings0, preset: 'default' } });
    stereo.dispose();
    single.dispose();
    const { store } = await setup({}, Object.assign(new FakeWorker(), { model: big }));
    expect(await store.getState().importModelFiles([{ path: 'model.json', blob: new Blob([JSON.stringify(big.modelJson)]) }, { path: 'weights.bin', blob: new Blob([big.weightData]) }])).toBe(true);
    await store.getState().shareInline();
    const share = store.getState().model.share;
    expect(share.link).toBeUndefined();
    expect(share.error).toMatch(/^This model is too large for a link with its weights inside: \d+ KB even at 8 bits, and links hold at most 256 KB \(only the tiny network size fits\)\. Download it, put model\.json and weights\.bin on a web server, and share a link to them below\.$/);
  });

  it('a hosted model gives a ?weights= link; a bad address gets a message', async () => {
    const { store } = await setup();
    store.getState().shareHosted(' https://files.example.com/m/model.json ');
    expect(store.getState().model.share.link).toBe('https://example.org/app/?width=64&height=32&preset=tiny&stepsStereo=30&stepsDistill=10&stepsFuse=0&previewEvery=5&weights=https%3A%2F%2Ffiles.example.com%2Fm%2Fmodel.json');
    store.getState().shareHosted('data:application/json,{}');
    expect(store.getState().model.share).toEqual({ busy: false, error: expect.stringMatching(/Only http\(s\) addresses/) });
    await store.getState().shareInline();
    expect(store.getState().model.share.error).toMatch(/no weights yet/);
  });
});

describe('autosave', () => {
  it('saves on the interval and at stage and run ends, with the run progress; Reset deletes it', async () => {
    const runStore = memoryRunStore();
    const { store, worker } = await setup({ runStore, autosaveMs: 30 }, Object.assign(new FakeWorker(), { model: saved, stepMs: 4 }));
    const steps: (number | undefined)[] = [];
    store.subscribe((s, prev) => s.autosave.lastSavedAt !== prev.autosave.lastSavedAt && steps.push(s.autosave.lastSavedStep?.step));
    await store.getState().train();
    expect(worker.checkpoints).toBeGreaterThanOrEqual(4); // a few on the interval, one per stage end, one at the end
    expect(steps.slice(0, -1).some((n) => n !== undefined && n > 0 && n < 30)).toBe(true); // mid-stage
    const rec = runStore.data.get('run') as { modelJson: ModelJson; stages: string[]; pairCount: number };
    expect(rec.stages).toEqual(['stereo', 'distill', 'fuse']);
    expect(rec.pairCount).toBe(1);
    expect(rec.modelJson.userDefinedMetadata.run).toEqual({ stages: ['stereo', 'distill', 'fuse'], done: ['stereo', 'distill', 'fuse'] });
    expect((runStore.data.get('pairs') as { pairs: { name: string }[] }).pairs.map((p) => p.name)).toEqual(['a']);
    await store.getState().reset();
    expect(runStore.data.size).toBe(0);
  });

  it('reopening offers the saved run; Resume restores pairs and weights and continues at the saved step', async () => {
    const runStore = memoryRunStore();
    const first = await setup({ runStore, autosaveMs: 1e9 }, Object.assign(new FakeWorker(), { model: saved, stepMs: 10 }));
    const run = first.store.getState().train();
    await until(first.store, (s) => (s.training.progress.stereo?.step ?? 0) >= 5);
    await first.store.getState().stop();
    await run; // the run end saves: stopped in stage 1
    const savedStep = first.store.getState().autosave.lastSavedStep!;
    expect(savedStep.stage).toBe('stereo');
    expect(savedStep.step).toBeGreaterThanOrEqual(5);
    expect(savedStep.step).toBeLessThan(30);

    // a new page: different pairs (the samples), the same storage
    const worker = Object.assign(new FakeWorker(), { model: saved, stepMs: 3 });
    const store = createAppStore(new TrainClient(worker), { pageHasWebGpu: false, settings: defaultSettings(), decoders: nodeDecoders, pageHref: () => PAGE, runStore, autosaveMs: 1e9 });
    await store.getState().init();
    await store.getState().addFiles([{ path: 'b/left.png', blob: new Blob([solidRgbPng(96, 64) as BlobPart]) }, { path: 'b/right.png', blob: new Blob([solidRgbPng(96, 64) as BlobPart]) }]);
    await store.getState().checkSavedRun();
    expect(store.getState().autosave.offer).toMatchObject({ pairCount: 1, run: { stages: ['stereo', 'distill', 'fuse'], done: [], current: savedStep }, settings: { seed: 1, preset: 'tiny' } });
    await store.getState().resumeSavedRun();
    await until(store, (s) => s.training.phase === 'running' || s.autosave.error !== undefined);
    expect(store.getState().autosave.error).toBeUndefined();
    expect(store.getState().autosave.offer).toBeUndefined();
    expect(store.getState().dataset.pairs.map((p) => [p.name, p.width])).toEqual([['a', 64]]);
    expect(store.getState().settings.values).toMatchObject({ preset: 'tiny', stepsStereo: 30, width: 64 });
    expect(new Float32Array(loads(worker)[0].weightData)[0]).toBe(savedStep.step); // the saved weights
    expect(trains(worker)[0]).toMatchObject({ stages: ['stereo', 'distill', 'fuse'], from: savedStep });
    await until(store, (s) => s.training.phase === 'idle');
    expect(store.getState().training.completed).toEqual(['stereo', 'distill', 'fuse']);
  });
});

describe('opening the page: which model, and which settings win', () => {
  const files = () => serve({ 'https://example.org/app/runs/model.json': JSON.stringify(saved.modelJson), 'https://example.org/app/runs/weights.bin': saved.weightData.slice(0) });
  const shipped = () =>
    serve({ 'https://example.org/app/pretrained/default/model.json': JSON.stringify(saved.modelJson), 'https://example.org/app/pretrained/default/weights.bin': saved.weightData.slice(0) });

  it('settings the address names next to weights= win over the model\'s; the page says which the model replaced and which it kept', async () => {
    const served = files();
    // the page's settings as src/main.tsx reads them from this address
    const { store } = await setup({ fetcher: served.fetcher, settings: { ...settings0, stepsStereo: 60 } });
    await store.getState().openPage('https://example.org/app/?stepsStereo=60&weights=runs%2Fmodel.json');
    let s = store.getState();
    expect(s.model.error).toBeUndefined();
    expect(s.settings.values).toMatchObject({ stepsStereo: 60, seed: 7 }); // the model's seed, the address's steps
    expect(settingsNote(s.model.settingsChanges!.replaced, s.model.settingsChanges!.kept)).toBe("The model's settings replaced the page's: Seed 1 → 7. Kept from the page address: Stage 1 steps 60 (the model's: 123).");
    expect(s.model.address).toEqual({ weights: 'runs/model.json', fragment: false });
    expect(s.model.linked).toBe('shown');
    // a load the user asks for later (no address settings to keep): the model's settings replace the page's, and it says so
    expect(await store.getState().loadModelFromUrl('runs/model.json')).toBe(true);
    s = store.getState();
    expect(s.settings.values.stepsStereo).toBe(123);
    expect(settingsNote(s.model.settingsChanges!.replaced, s.model.settingsChanges!.kept)).toBe("The model's settings replaced the page's: Stage 1 steps 60 → 123.");
    expect(s.model.linked).toBeUndefined();
  });

  it('the network size is the weights\', whatever the address says, and a note says so', async () => {
    const served = files();
    const { store } = await setup({ fetcher: served.fetcher, settings: { ...settings0, preset: 'default' } });
    await store.getState().openPage('https://example.org/app/?preset=default&weights=runs%2Fmodel.json');
    const s = store.getState();
    expect(s.settings.values.preset).toBe('tiny');
    expect(s.dataset.notices.map((n) => n.text)).toContain('Model: the address asks for default networks, but its weights are tiny networks, and the weights decide the network size.');
  });

  it('a plain visit loads the shipped model; ?weights=none, or settings in the address, open with new weights', async () => {
    const a = shipped();
    const plain = await setup({ fetcher: a.fetcher });
    await plain.store.getState().openPage('https://example.org/app/?backend=wasm');
    let s = plain.store.getState();
    expect(s.model.error).toBeUndefined();
    expect(s.model.origin).toEqual({ kind: 'pretrained', label: 'the pretrained model "default"' });
    expect(s.training.hasWeights).toBe(true);
    expect(s.model.address).toEqual({ weights: 'pretrained/default', fragment: false });
    expect(s.buffers.previews.get(s.dataset.selectedId!)?.stereoDisp).toBeDefined();
    expect(introText(s)).toMatch(/^The maps below are the sample scenes' depth from the shipped model/);

    for (const href of ['https://example.org/app/?weights=none', 'https://example.org/app/?stepsStereo=5']) {
      const b = shipped();
      const { store } = await setup({ fetcher: b.fetcher });
      await store.getState().openPage(href);
      s = store.getState();
      expect(b.asked, href).toEqual([]);
      expect(s.model.error, href).toBeUndefined();
      expect(s.training.hasWeights, href).toBe(false);
      expect(introText(s), href).toMatch(/Load pretrained \(under Model\) shows their depth at once/);
    }
  });

  it('a host without the shipped model: the plain visit says so quietly (no error) and the page goes on', async () => {
    const { store } = await setup({ fetcher: serve({}).fetcher });
    await store.getState().openPage('https://example.org/app/');
    const s = store.getState();
    expect(s.model.error).toBeUndefined();
    expect(s.model.info).toMatch(/^No pretrained model "default" is installed with this app/);
    expect(s.training.hasWeights).toBe(false);
  });

  it('a run saved in this browser: a plain visit offers it and loads nothing; a shared link\'s model wins and the offer stays', async () => {
    const runStore = memoryRunStore();
    const first = await setup({ runStore }, Object.assign(new FakeWorker(), { model: saved }));
    await first.store.getState().train();
    expect(runStore.data.has('run')).toBe(true);

    const a = shipped();
    const plain = await setup({ runStore, fetcher: a.fetcher });
    await plain.store.getState().openPage('https://example.org/app/');
    expect(a.asked).toEqual([]);
    expect(plain.store.getState().autosave.offer).toBeDefined();
    expect(plain.store.getState().training.hasWeights).toBe(false);

    const served = files();
    const linked = await setup({ runStore, fetcher: served.fetcher });
    await linked.store.getState().openPage('https://example.org/app/?weights=runs%2Fmodel.json');
    const s = linked.store.getState();
    expect(s.model.origin).toEqual({ kind: 'url', label: 'https://example.org/app/runs/model.json' });
    expect(s.model.linked).toBe('shown');
    expect(s.autosave.offer).toBeDefined();
  });

  it('the address follows the model: weights= after a load, gone once a run changes the weights, none after Reset', async () => {
    const served = files();
    const { store } = await setup({ fetcher: served.fetcher });
    expect(await store.getState().loadModelFromUrl(' runs/model.json ')).toBe(true);
    expect(store.getState().model.address).toEqual({ weights: 'runs/model.json', fragment: false });
    await store.getState().train();
    expect(store.getState().model.address).toEqual({ fragment: false });
    expect(introText(store.getState())).toMatch(/^The maps below are the networks being trained here, from https:\/\/example\.org\/app\/runs\/model\.json\./);
    await store.getState().reset();
    expect(store.getState().training.hasWeights).toBe(false);
    expect(store.getState().model.address).toEqual({ weights: 'none', fragment: false });
    expect(await store.getState().importModelFiles([{ path: 'model.json', blob: new Blob([JSON.stringify(saved.modelJson)]) }, { path: 'weights.bin', blob: new Blob([saved.weightData]) }])).toBe(true);
    expect(store.getState().model.address).toEqual({ fragment: false });
  });
});
