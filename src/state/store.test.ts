import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultSettings, type TrainSettings } from '../config/settings';
import { decodeImage } from '../data/image';
import type { Decoders, IntakeFile } from '../data/intake';
import { solidRgbPng } from '../testing/images';
import { samplesDir } from '../testing/shared';
import { TrainClient } from '../train/client';
import { statusText } from '../ui/status';
import { FakeWorker } from './fakeWorker';
import { createAppStore, type AppState, type AppStore } from './store';

const nodeDecoders: Decoders = { image: async (blob, name) => decodeImage(new Uint8Array(await blob.arrayBuffer()), name) };
const tiny: TrainSettings = { ...defaultSettings(), width: 64, height: 32, preset: 'tiny', stepsStereo: 3, stepsDistill: 2, stepsFuse: 2, previewEvery: 1 };

function setup(settings = tiny): { store: AppStore; worker: FakeWorker } {
  const worker = new FakeWorker();
  const store = createAppStore(new TrainClient(worker), { pageHasWebGpu: false, settings, decoders: nodeDecoders });
  return { store, worker };
}

/** A file of a bundled sample scene (public/samples: in every checkout, unlike the shared data folder). */
async function sample(scene: string, file: string, as = file): Promise<IntakeFile> {
  return { path: as, blob: new Blob([await readFile(join(samplesDir, scene, file))]) };
}

const tsukubaBare = () => Promise.all([sample('tsukuba', 'left.png'), sample('tsukuba', 'right.png'), sample('tsukuba', 'disp_left.pgm')]);
const until = async (store: AppStore, cond: (s: AppState) => boolean) => {
  for (let i = 0; i < 2000 && !cond(store.getState()); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond(store.getState())).toBe(true);
};

describe('dataset', () => {
  it('adds a pair from bare file names, asks the GT scale, attaches it; a text file only adds a message', async () => {
    const { store } = setup();
    await store.getState().addFiles(await tsukubaBare());
    let s = store.getState();
    expect(s.dataset.pairs).toMatchObject([{ id: 'p1', name: 'pair 1', width: 384, height: 288, hasGt: false }]);
    expect(s.dataset.selectedId).toBe('p1');
    expect(s.dataset.gtQuestions).toEqual([{ pairId: 'p1', pairName: 'pair 1', file: 'disp_left.pgm' }]);
    expect(s.dataset.notices.map((n) => n.text)).toEqual([
      'Added pair 1, 384x288, GT scale asked below.',
      'Pair left.png + right.png: the scale of disp_left.pgm is not known from its name; give it below to attach the GT.',
    ]);
    await s.answerGtScale('p1', 16);
    s = store.getState();
    expect(s.dataset.pairs[0].hasGt).toBe(true);
    expect(s.dataset.gtQuestions).toEqual([]);
    expect(s.buffers.scenes.get('p1')!.gtDisp!.data.reduce((a, b) => Math.max(a, b))).toBe(14);

    await s.addFiles([{ path: 'notes.txt', blob: new Blob(['hello']) }]);
    s = store.getState();
    expect(s.dataset.notices[0].text).toMatch(/^notes\.txt: not an image \(\.txt\), skipped/);
    expect(s.dataset.pairs).toHaveLength(1);
  });

  it('a folder of a Middlebury scene gets its name and GT scale; the same name again gets a suffix', async () => {
    const { store } = setup();
    const files = () => Promise.all(['left.png', 'right.png', 'disp_left.png', 'mask_nonocc.png'].map((f) => sample('cones', f, `cones/${f}`)));
    await store.getState().addFiles(await files());
    await store.getState().addFiles(await files());
    expect(store.getState().dataset.pairs.map((p) => [p.name, p.hasGt, p.hasMask])).toEqual([
      ['cones', true, true],
      ['cones (2)', true, true],
    ]);
    expect(store.getState().dataset.gtQuestions).toEqual([]);
  });

  it('lone images are kept for pairing by hand; views of different sizes give a message and keep both', async () => {
    const { store } = setup();
    const png = (w: number) => new Blob([solidRgbPng(w, 32) as BlobPart]);
    await store.getState().addFiles([{ path: 'a.png', blob: png(64) }, { path: 'b.png', blob: png(64) }, { path: 'c.png', blob: png(48) }]);
    let s = store.getState();
    expect(s.dataset.pairs).toEqual([]);
    expect(s.dataset.lone.map((l) => l.path)).toEqual(['a.png', 'b.png', 'c.png']);
    await s.pairLone('a.png', 'c.png');
    s = store.getState();
    expect(s.dataset.notices[0].text).toMatch(/^Pair "a" not added: c\.png: the right image is 48x32 but the left image a\.png is 64x32/);
    expect(s.dataset.lone).toHaveLength(3);
    await s.pairLone('a.png', 'b.png');
    s = store.getState();
    expect(s.dataset.pairs.map((p) => [p.name, p.files.left, p.files.right])).toEqual([['a', 'a.png', 'b.png']]);
    expect(s.dataset.lone.map((l) => l.path)).toEqual(['c.png']);
    s.swapPair('p1');
    expect(store.getState().dataset.pairs[0].files).toEqual({ left: 'b.png', right: 'a.png' });
    s.removePair('p1');
    expect(store.getState().dataset.pairs).toEqual([]);
    expect(store.getState().dataset.selectedId).toBeUndefined();
  });

  it('a pair above 4 megapixels waits for a choice; downscaling by 2 halves the size', async () => {
    const { store } = setup();
    const big: Decoders = { image: async () => ({ width: 2600, height: 1600, data: new Float32Array(2600 * 1600 * 3).fill(0.5) }) };
    const worker = new FakeWorker();
    const s2 = createAppStore(new TrainClient(worker), { pageHasWebGpu: false, decoders: big });
    await s2.getState().addFiles([{ path: 'x_L.png', blob: new Blob([solidRgbPng(1, 1) as BlobPart]) }, { path: 'x_R.png', blob: new Blob([solidRgbPng(1, 1) as BlobPart]) }]);
    const offer = s2.getState().dataset.largeOffers[0];
    expect(offer).toMatchObject({ name: 'x', width: 2600, height: 1600 });
    expect(s2.getState().dataset.pairs).toEqual([]);
    await s2.getState().resolveLarge(offer.id, 2);
    expect(s2.getState().dataset.pairs).toMatchObject([{ name: 'x', width: 1300, height: 800, factor: 2 }]);
    expect(s2.getState().dataset.largeOffers).toEqual([]);
    expect(store.getState().dataset.pairs).toEqual([]); // stores do not share buffers
  });
});

describe('samples', () => {
  const publicDir = join(dirname(fileURLToPath(import.meta.url)), '../../public/');
  const fetcher = (async (url: string) => {
    try {
      return new Response(await readFile(join(publicDir, url.replace(/^base\//, ''))));
    } catch {
      return new Response('missing', { status: 404 });
    }
  }) as typeof fetch;

  it('loads the bundled scenes from public/samples/index.json with their GT scales and masks', async () => {
    const { store } = setup();
    await store.getState().loadSamples('base/', fetcher);
    const s = store.getState();
    expect(s.dataset.notices).toEqual([]);
    expect(s.dataset.pairs.map((p) => [p.name, p.width, p.height, p.hasGt, p.hasMask])).toEqual([
      ['tsukuba', 384, 288, true, false],
      ['venus', 434, 383, true, false],
      ['teddy', 450, 375, true, true],
      ['cones', 450, 375, true, true],
    ]);
    const maxGt = s.dataset.pairs.map((p) => s.buffers.scenes.get(p.id)!.gtDisp!.data.reduce((a, b) => Math.max(a, b)));
    expect(maxGt).toEqual([14, 19.75, 52.75, 55]); // the ranges in shared/data/stereo/SOURCES.md
  });

  it('a sample that cannot be fetched gives one message', async () => {
    const { store } = setup();
    await store.getState().loadSamples('nowhere/', fetcher);
    expect(store.getState().dataset.notices.map((n) => n.text)).toEqual([expect.stringMatching(/^Could not load the sample scenes: /)]);
  });
});

describe('settings', () => {
  it('keeps invalid values out and refuses to train until they are fixed', async () => {
    const { store } = setup();
    store.getState().setSetting('width', 100);
    expect(store.getState().settings.problems.width).toBe('Crop width must be a multiple of 32');
    expect(store.getState().settings.values.width).toBe(64);
    await store.getState().init();
    await store.getState().addFiles(await tsukubaBare());
    await store.getState().train();
    expect(store.getState().training.error).toMatch(/^Cannot train: fix the settings first: Crop width must be a multiple of 32/);
    store.getState().setSetting('width', 96);
    expect(store.getState().settings.problems).toEqual({});
    store.getState().setStageEnabled('distill', false);
    expect(store.getState().settings.stages).toEqual(['stereo', 'fuse']);
  });
});

describe('training through the client and a fake worker', () => {
  it('runs three stages: sends the pairs, streams progress, losses and previews, then predicts the selected pair', async () => {
    const { store, worker } = setup();
    await store.getState().init();
    await store.getState().addFiles(await tsukubaBare());
    const seen = new Set<string>();
    const unsub = store.subscribe((s) => seen.add(statusText(s).replace(/ — step.*/, '')));
    await store.getState().train();
    unsub();
    const s = store.getState();
    expect(s.training.error).toBeUndefined();
    // stages 2 and 3 say so while they make their teachers' labels, before their first step
    expect([...seen].filter((t) => t.startsWith('Stage'))).toEqual([
      'Stage 1 of 3: StereoNet (self-supervised)',
      "Stage 2 of 3: SingleNet (occlusion-aware distillation) — making the teachers' labels on the whole pairs…",
      'Stage 2 of 3: SingleNet (occlusion-aware distillation)',
      "Stage 3 of 3: Fusion and StereoNet-D — making the teachers' labels on the whole pairs…",
      'Stage 3 of 3: Fusion and StereoNet-D',
    ]);
    expect(s.training).toMatchObject({ phase: 'idle', completed: ['stereo', 'distill', 'fuse'], hasWeights: true });
    expect(s.training.progress.fuse).toMatchObject({ step: 2, steps: 2, state: 'done' });
    expect(statusText(s)).toBe('Training finished: stage 1, stage 2, stage 3 done.');
    expect(s.buffers.losses.stereo.steps).toEqual([1, 2, 3]);
    expect(s.buffers.losses.distill.terms.get('total')).toEqual([1, 0.5]);
    expect(s.buffers.previews.get('p1')!.fusedDisp!.length).toBe(384 * 288);
    const types = worker.received.map((m) => m.type);
    expect(types).toEqual(['init', 'setScenes', 'previewScene', 'train', 'predict']);
    // The page kept its own copy of the images it transferred.
    expect(s.buffers.scenes.get('p1')!.leftImg.data.length).toBe(384 * 288 * 3);
  });

  it('pause, resume and reset while training; messages of an older train are dropped', async () => {
    const { store, worker } = setup({ ...tiny, stepsStereo: 1000 });
    worker.stepMs = 2;
    await store.getState().init();
    await store.getState().addFiles(await tsukubaBare());
    const done = store.getState().train();
    await until(store, (s) => (s.training.progress.stereo?.step ?? 0) >= 3);
    await store.getState().pause();
    expect(statusText(store.getState())).toMatch(/^Stage 1 of 3: .* — step \d+ \/ 1000 \(paused\)$/);
    const at = worker.received.length;
    await store.getState().resume();
    expect(worker.received.slice(at).map((m) => m.type)).toEqual(['control']);
    // A step stamped with an older train's reqId is ignored.
    const before = store.getState().buffers.losses.stereo.steps.length;
    worker.emit({ type: 'step', runId: 1, reqId: 1, report: { stage: 'fuse', step: 1, steps: 1, losses: { total: 9 }, stepsPerSec: 1, etaSec: 0, memory: { numTensors: 0, numBytes: 0 } } });
    expect(store.getState().buffers.losses.fuse.steps).toEqual([]);
    await store.getState().reset();
    await done;
    const s = store.getState();
    expect(s.buffers.losses.stereo.steps.length).toBe(0);
    expect(before).toBeGreaterThan(0);
    expect(s.training).toMatchObject({ phase: 'idle', hasWeights: false, completed: [] });
    expect(statusText(s)).toBe('Reset: the networks start from new weights on the next Train.');
    expect(s.dataset.pairs).toHaveLength(1); // the dataset stays
  });

  it('a lost GPU device during training: the user is told, the backend and the step follow the recovery', async () => {
    const { store, worker } = setup({ ...tiny, stepsStereo: 1000 });
    worker.stepMs = 2;
    await store.getState().init();
    await store.getState().addFiles(await tsukubaBare());
    const done = store.getState().train();
    await until(store, (s) => (s.training.progress.stereo?.step ?? 0) >= 20);
    const req = worker.received.find((m) => m.type === 'train')!;
    const ids = { runId: req.runId, reqId: req.reqId };
    worker.emit({ type: 'backendLost', ...ids, backend: 'webgpu', reason: 'destroyed', message: 'Device was destroyed.' });
    expect(store.getState().runtime.incidents).toEqual(['The WebGPU device was lost during training (destroyed: Device was destroyed.). Restarting…']);
    worker.emit({ type: 'backendRestored', ...ids, backend: 'wasm', reasons: ['Moved to wasm.'], from: { stage: 'stereo', step: 5 }, lostSteps: 15 });
    const s = store.getState();
    expect(s.runtime.backend).toBe('wasm');
    expect(s.runtime.incidents[1]).toBe('Training goes on on WebAssembly (WASM) from the last saved weights (stage 1, step 5; 15 steps redone). Moved to wasm.');
    expect(s.training.progress.stereo!.step).toBe(5);
    expect(statusText(s)).toContain('step');
    await store.getState().stop();
    await done;
    // A new run (init) starts with a clean slate.
    await store.getState().init();
    expect(store.getState().runtime.incidents).toEqual([]);
  });

  it('pairs chosen quickly one after another are predicted one at a time: the latest is shown, none is refused as busy', async () => {
    const { store, worker } = setup({ ...tiny, stepsStereo: 2, stepsDistill: 1, stepsFuse: 1 });
    await store.getState().init();
    await store.getState().addFiles(await tsukubaBare());
    await store.getState().addFiles([await sample('venus', 'left.png', 'venus/left.png'), await sample('venus', 'right.png', 'venus/right.png')]);
    await store.getState().train();
    const [a, b] = store.getState().dataset.pairs.map((p) => p.id);
    worker.predicted.length = 0;
    worker.predictMs = 30;
    // a, then b and a again while a's predict runs: b is superseded before it starts
    await Promise.all([store.getState().showPair(a), store.getState().showPair(b), store.getState().showPair(a)]);
    await store.getState().showPair(b);
    expect(worker.predicted).toEqual([a, a, b]);
    expect(store.getState().training.note ?? '').not.toMatch(/busy/);
    expect(store.getState().buffers.previews.get(b)?.sceneId).toBe(b);
  });

  it('a GPU device lost while idle: the user is told; rebuilt weights keep the trained state, lost ones clear it', async () => {
    const { store, worker } = setup({ ...tiny, stepsStereo: 3, stepsDistill: 2, stepsFuse: 2 });
    worker.stepMs = 1;
    await store.getState().init();
    await store.getState().addFiles(await tsukubaBare());
    await store.getState().train();
    expect(store.getState().training.hasWeights).toBe(true);
    const runId = worker.received.find((m) => m.type === 'train')!.runId;
    worker.emit({ type: 'deviceLost', runId, backend: 'webgpu', reason: 'destroyed', message: 'Device was destroyed.' });
    expect(store.getState().runtime.incidents).toEqual(['The WebGPU device was lost while idle (destroyed: Device was destroyed.). Restarting…']);
    worker.emit({ type: 'deviceRestored', runId, backend: 'webgpu', reasons: ['Restarted on a fresh WebGPU device.'], weights: 'restored' });
    let s = store.getState();
    expect(s.runtime.incidents[1]).toBe('Restarted on WebGPU. The trained networks were rebuilt from their last weights: nothing was lost. Restarted on a fresh WebGPU device.');
    expect(s.training).toMatchObject({ hasWeights: true, completed: ['stereo', 'distill', 'fuse'] });
    // A device event of an older run is dropped.
    worker.emit({ type: 'deviceLost', runId: runId - 1, backend: 'webgpu', reason: 'destroyed', message: 'old' });
    expect(store.getState().runtime.incidents).toHaveLength(2);
    // Weights that could not be rebuilt: the trained state goes, and the user is told what to do.
    worker.emit({ type: 'deviceRestored', runId, backend: 'wasm', reasons: ['Moved to wasm.'], weights: 'lost', problem: 'no copy of them had been read back' });
    s = store.getState();
    expect(s.runtime.backend).toBe('wasm');
    expect(s.runtime.incidents[2]).toBe('Restarted on WebAssembly (WASM). The trained networks could not be rebuilt (no copy of them had been read back): press Train to train again, or load a saved model. Moved to wasm.');
    expect(s.training).toMatchObject({ hasWeights: false, completed: [] });
  });

  it('selecting a pair during training makes it the preview pair; a training error is reported, not thrown', async () => {
    const { store, worker } = setup({ ...tiny, stepsStereo: 50 });
    await store.getState().init();
    await store.getState().addFiles(await tsukubaBare());
    await store.getState().addFiles([await sample('venus', 'left.png', 'venus/left.png'), await sample('venus', 'right.png', 'venus/right.png')]);
    const done = store.getState().train();
    await until(store, (s) => s.training.phase === 'running');
    store.getState().selectPair('p2');
    await until(store, () => worker.previewSceneId === 'p2');
    await store.getState().stop();
    await done;
    expect(store.getState().training.lastEnd).toMatch(/^Stopped in stage 1 after \d+ steps\.$/);
    expect(store.getState().training.hasWeights).toBe(true);

    worker.scenes = [];
    worker.postMessage = (msg) => setTimeout(() => worker.emit({ type: 'error', runId: msg.runId, reqId: msg.reqId, message: 'boom' }), 0);
    await store.getState().train();
    expect(store.getState().training.error).toBe('Training failed: boom');
    expect(store.getState().training.phase).toBe('idle');
  });
});
