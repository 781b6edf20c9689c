// Saving, loading and sharing models in a real Chromium (wasm backend: these tests are about
// files, links and checks, not GPU speed): export -> import round trip by picker and by drop,
// ?weights= links that fail in every way we know of without touching the current model, a
// link with the weights inside, and autosave -> reload -> resume.
import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { collectErrors, dropFiles, freshMaps, selectedMaps, waitForRuntime, waitForSelectedMaps } from './helpers';
import { tinyModel } from './modelFixture';
import { startServer, type Route } from './server';

const TINY = 'backend=wasm&preset=tiny&width=64&height=32&batch=1&previewEvery=1000';

async function ready(page: Page): Promise<void> {
  await waitForRuntime(page);
  await page.waitForFunction(() => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= 4);
}

async function trainTo(page: Page, status: RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText(status, { timeout: 120_000 });
}

const modelState = (page: Page) =>
  page.evaluate(() => {
    const s = window.__rd!.store.getState();
    return { info: s.model.info, error: s.model.error, workerTensors: s.model.workerTensors, seed: s.settings.values.seed, hasWeights: s.training.hasWeights };
  });

test('export -> import: the downloaded model.json + weights.bin give the same maps, by file picker and by drop', async ({ page }, testInfo) => {
  const errors = collectErrors(page);
  await page.goto(`/?${TINY}&stepsStereo=5&stepsDistill=3&stepsFuse=0&seed=5`);
  await ready(page);
  await trainTo(page, /^Training finished: stage 1, stage 2, stage 3 done\.$/);
  const trained = await freshMaps(page);
  expect(Object.keys(trained).sort()).toEqual(['fusedDisp', 'occlusion', 'singleDisp', 'stereoDisp']);

  const downloads: Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByRole('button', { name: 'Download model' }).click();
  await expect.poll(() => downloads.length).toBe(2);
  const files: Record<string, string> = {};
  for (const d of downloads) {
    files[d.suggestedFilename()] = testInfo.outputPath(d.suggestedFilename());
    await d.saveAs(files[d.suggestedFilename()]);
  }
  expect(Object.keys(files).sort()).toEqual(['model.json', 'weights.bin']);
  const json = JSON.parse(readFileSync(files['model.json'], 'utf8')) as { format: string; formatVersion: number; weightsManifest: { paths: string[] }[]; userDefinedMetadata: Record<string, unknown> };
  expect(json).toMatchObject({ format: 'reciprocal-depth', formatVersion: 1, weightsManifest: [{ paths: ['weights.bin'] }] });
  expect(json.userDefinedMetadata).toMatchObject({ settings: { seed: 5, preset: 'tiny', stepsStereo: 5 }, completedStages: ['stereo', 'distill', 'fuse'], networks: { stereo: { kind: 'stereo', preset: 'tiny' }, single: { kind: 'single' } } });

  // Reset drops the weights and the maps; importing the files brings both back.
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText('Reset: the networks start from new weights on the next Train.');
  await page.getByText('Settings', { exact: true }).click();
  await page.getByLabel('Seed', { exact: true }).fill('9'); // the model's own settings come back with it
  await page.getByLabel('Import model').setInputFiles([files['model.json'], files['weights.bin']]);
  await expect(page.getByTestId('model-info')).toHaveText('Loaded model.json + weights.bin (tiny networks, seed 5; trained: stage 1, stage 2, stage 3).');
  await expect(page.getByRole('status')).toHaveText('Loaded the model from model.json + weights.bin.');
  await waitForSelectedMaps(page, true);
  expect(await selectedMaps(page)).toEqual(trained);
  const first = await modelState(page);
  expect(first.seed).toBe(5);
  await expect(page).toHaveURL(/seed=5/);

  // The same files dropped on the page (after a Reset): the same maps, and the worker holds the
  // same number of tensors as after the first import (the old networks were freed).
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText('Reset: the networks start from new weights on the next Train.');
  await dropFiles(page, [
    { name: 'model.json', type: 'application/json', bytes: readFileSync(files['model.json']) },
    { name: 'weights.bin', bytes: readFileSync(files['weights.bin']) },
  ]);
  await expect(page.getByRole('status')).toHaveText('Loaded the model from model.json + weights.bin.');
  await waitForSelectedMaps(page, true);
  expect(await selectedMaps(page)).toEqual(trained);
  expect((await modelState(page)).workerTensors).toBe(first.workerTensors);
  expect(await page.evaluate(() => window.__rd!.store.getState().dataset.pairs.length)).toBe(4); // nothing went to the pairs
  expect(errors).toEqual([]);
});

/** Console errors the browser itself logs for the failed requests these tests make on purpose. */
const expectedNetworkError = (e: string) => /Failed to load resource|blocked by CORS policy|net::ERR_FAILED/.test(e);

test('?weights= links: a good one loads with progress and shows its maps; each bad one gets its message and the current model stays', async ({ page }) => {
  const errors = collectErrors(page);
  const good = await tinyModel(3, { stepsStereo: 77 });
  const files = (json: unknown, bin: Uint8Array = good.bin): Record<string, Route> => ({ 'model.json': { type: 'application/json', body: JSON.stringify(json) }, 'weights.bin': { body: bin } });
  const nan = Buffer.from(good.bin);
  nan.writeFloatLE(NaN, 400);
  const shapes = structuredClone(good.modelJson);
  const w0 = shapes.weightsManifest[0].weights.find((w) => w.shape.length === 4 && w.shape[2] !== w.shape[3])!;
  w0.shape = [w0.shape[0], w0.shape[1], w0.shape[3], w0.shape[2]]; // same bytes, wrong shape
  const huge = structuredClone(good.modelJson);
  huge.weightsManifest[0].weights.push({ name: 'stereo/extra', shape: [5000, 5000, 4], dtype: 'float32' });
  const cases: Record<string, Record<string, Route>> = {
    good: { ...files(good.modelJson), 'weights.bin': { body: good.bin, pieces: 6, delayMs: 250 } },
    notjson: { 'model.json': { type: 'text/plain', body: 'hello, world' } },
    html: { 'model.json': { type: 'text/html', body: '<!doctype html><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"><p>Home</p>' } },
    v2: files({ ...good.modelJson, formatVersion: 2 }),
    shapes: files(shapes),
    nan: files(good.modelJson, nan),
    huge: files(huge),
  };
  const routes = Object.fromEntries(Object.entries(cases).flatMap(([dir, fs]) => Object.entries(fs).map(([f, r]) => [`/${dir}/${f}`, r])));
  const hosted = await startServer({ routes, cors: true });
  const noCors = await startServer({ routes });
  try {
    const goodUrl = `${hosted.origin}/good/model.json`;
    await page.goto(`/?backend=wasm&weights=${encodeURIComponent(goodUrl)}`);
    const bar = page.getByRole('progressbar', { name: 'Model download' });
    await expect(bar).toBeVisible();
    await expect.poll(async () => Number(await bar.getAttribute('value')), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect(page.getByRole('status')).toHaveText(`Loaded the model from ${goodUrl}.`, { timeout: 60_000 });
    await expect(bar).toBeHidden();
    await ready(page);
    await waitForSelectedMaps(page, true);
    await expect(page.getByRole('figure', { name: 'SingleNet disparity', exact: true }).locator('canvas.map-canvas')).toBeVisible();
    await expect(page).toHaveURL(/stepsStereo=77/); // the model's settings, in the address too
    await expect(page).toHaveURL(/weights=/);
    expect(await modelState(page)).toMatchObject({ seed: 3, hasWeights: true, error: undefined });

    // The same model again, now that every sample pair is in the worker: the baseline tensor count.
    const urlField = page.getByLabel('Model URL', { exact: true });
    await urlField.fill(goodUrl);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(page.getByTestId('model-info')).toHaveText(`Loaded ${goodUrl} (tiny networks, seed 3; trained: stage 1, stage 2).`, { timeout: 30_000 });
    await waitForSelectedMaps(page, true);
    const before = await selectedMaps(page);
    const state = await modelState(page);

    const tryLoad = async (url: string, message: RegExp) => {
      await urlField.fill(url);
      await page.getByRole('button', { name: 'Load', exact: true }).click();
      await expect(page.getByTestId('model-error')).toHaveText(message, { timeout: 30_000 });
      await expect(page.getByRole('status')).toHaveText(`Loaded the model from ${goodUrl}.`);
      expect(await selectedMaps(page)).toEqual(before);
      expect(await modelState(page)).toMatchObject({ seed: 3, hasWeights: true });
    };
    await tryLoad(`${hosted.origin}/missing/model.json`, /model\.json: HTTP 404 Not Found \(no such file\)\.$/);
    await tryLoad(`${hosted.origin}/notjson/model.json`, /notjson\/model\.json is not JSON \(.*\); it starts with "hello, world"\.$/);
    await tryLoad(`${hosted.origin}/html/model.json`, /html\/model\.json is an HTML page, not the model description \(model\.json\)/);
    await tryLoad(`${hosted.origin}/v2/model.json`, /model\.json has format version 2; this app reads version 1\.$/);
    await tryLoad(`${hosted.origin}/shapes/model.json`, new RegExp(`weight "${w0.name}" has shape \\[${w0.shape.join(',')}\\], the config needs`));
    await tryLoad(`${hosted.origin}/nan/model.json`, /weight ".*" contains NaN or infinite values$/);
    await tryLoad(`${hosted.origin}/huge/model.json`, /has 400\.\d MB of weights; this app loads at most 67\.1 MB\.$/);
    expect(hosted.requests.filter((p) => p === '/huge/weights.bin')).toEqual([]); // refused before downloading
    await tryLoad(`${noCors.origin}/good/model.json`, /does not let this page read it \(it must send the CORS header Access-Control-Allow-Origin\)\.$/);
    await tryLoad('javascript:window.__pwned=3', /Only http\(s\) addresses and addresses relative to this page are loaded; the model is at a "javascript:" address\.$/);
    await tryLoad('data:application/json,{}', /at a "data:" address/);
    await tryLoad('file:///etc/passwd', /at a "file:" address/);
    // Nothing from those answers or addresses ran or became markup.
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.getByTestId('model-error').locator('*').count()).toBe(0);

    // The good model again: the worker holds as many tensors as before the failed loads (they kept nothing).
    await urlField.fill(goodUrl);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await expect(page.getByTestId('model-info')).toHaveText(`Loaded ${goodUrl} (tiny networks, seed 3; trained: stage 1, stage 2).`, { timeout: 30_000 });
    expect((await modelState(page)).workerTensors).toBe(state.workerTensors);
    expect(errors.filter((e) => !expectedNetworkError(e))).toEqual([]);
  } finally {
    await hosted.close();
    await noCors.close();
  }
});

test('share: a link with the weights inside (tiny preset) reproduces the model and its settings in a new page', async ({ page, context }) => {
  const errors = collectErrors(page);
  await page.goto(`/?${TINY}&stepsStereo=4&stepsDistill=2&stepsFuse=0&seed=11`);
  await ready(page);
  await trainTo(page, /^Training finished: stage 1, stage 2, stage 3 done\.$/);
  const trained = await freshMaps(page, 11);
  await page.getByRole('button', { name: 'Share…' }).click();
  await page.getByRole('button', { name: 'Link with the weights inside' }).click();
  const field = page.getByLabel('Share link');
  await expect(field).toBeVisible();
  const link = await field.inputValue();
  const note = (await page.getByRole('group', { name: 'Share' }).textContent()) ?? '';
  const chars = Number(/at (?:float16|8-bit) precision; ([\d,]+) characters/.exec(note)?.[1].replace(/,/g, ''));
  console.log(`share link: ${chars} characters (${/float16|8-bit/.exec(note)?.[0]})`);
  expect(chars).toBe(link.length);
  expect(link.length).toBeLessThanOrEqual(262144 + 200);
  const base = new URL(page.url());
  expect(link.startsWith(`${base.origin}${base.pathname}?`)).toBe(true); // built from where the app is served
  expect(link).toMatch(/[?&]seed=11(&|#)/);
  expect(link).toMatch(/[?&]preset=tiny(&|#)/);
  expect(link).not.toMatch(/backend=/);
  expect(link).toMatch(/#w=[A-Za-z0-9_-]+$/);

  const other = await context.newPage();
  const otherErrors = collectErrors(other);
  await other.goto(link.replace('#', '&backend=wasm#'));
  await expect(other.getByRole('status')).toHaveText('Loaded the model from the link.', { timeout: 60_000 });
  await ready(other);
  await waitForSelectedMaps(other, true);
  const shared = (await selectedMaps(other, 11))!;
  const settings = await other.evaluate(() => window.__rd!.store.getState().settings.values);
  expect(settings).toMatchObject({ seed: 11, preset: 'tiny', stepsStereo: 4, stepsDistill: 2, stepsFuse: 0, width: 64, height: 32 });
  for (const key of ['stereoDisp', 'singleDisp'] as const) {
    const [a, b] = [trained[key].sample!, shared[key].sample!];
    expect(b.length).toBe(a.length);
    const diff = a.map((v, i) => Math.abs(v - b[i]));
    const range = Math.max(...a) - Math.min(...a);
    const mean = diff.reduce((x, y) => x + y, 0) / diff.length;
    console.log(`${key}: mean change ${mean.toFixed(4)} px, largest ${Math.max(...diff).toFixed(4)} px (range ${range.toFixed(2)} px)`);
    expect(mean).toBeLessThan(0.01 * range);
  }
  expect(errors).toEqual([]);
  expect(otherErrors).toEqual([]);
});

test('autosave -> reload -> Resume saved run: the saved weights come back and the stage goes on from the saved step', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(`/?${TINY}&stepsStereo=100000`);
  await ready(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  // An autosave on the interval, while training (at most 5 s apart).
  await page.waitForFunction(() => (window.__rd!.store.getState().autosave.lastSavedStep?.step ?? 0) > 0, undefined, { timeout: 30_000 });
  expect(await page.evaluate(() => window.__rd!.store.getState().training.phase)).toBe('running');
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText(/^Stopped in stage 1 after (\d+) steps\.$/);
  const stopped = Number(/after (\d+) steps/.exec((await page.getByRole('status').textContent())!)![1]);
  await expect.poll(() => page.evaluate(() => window.__rd!.store.getState().autosave.lastSavedStep?.step)).toBe(stopped);
  const before = await freshMaps(page);

  await page.reload();
  const banner = page.getByRole('region', { name: 'Saved run' });
  await expect(banner).toContainText(`(tiny networks, 64×32 crops, seed 1): stage 1 of 3 (StereoNet (self-supervised)) at step ${stopped} / 100000, 4 pairs.`);
  await ready(page);
  await page.evaluate(() => {
    const w = window as unknown as { __events: unknown[]; __firstMaps?: unknown };
    w.__events = [];
    const client = window.__rd!.client;
    client.onTrainEvent((ev) => void (ev.type !== 'preview' && w.__events.push(ev.type === 'step' ? { type: 'step', step: ev.report.step } : ev)));
    const predict = client.predict.bind(client);
    client.predict = async (id) => {
      const r = await predict(id);
      w.__firstMaps ??= r.maps;
      return r;
    };
  });
  await page.getByRole('button', { name: 'Resume saved run' }).click();
  await expect(banner).toBeHidden();
  await expect(page.getByRole('status')).toHaveText(new RegExp(`^Stage 1 of 3: StereoNet \\(self-supervised\\) — step (\\d+) / 100000$`));
  await page.waitForFunction(() => (window as unknown as { __events: { type: string }[] }).__events.filter((e) => e.type === 'step').length >= 2);
  const events = await page.evaluate(() => (window as unknown as { __events: { type: string; step?: number; from?: unknown; freshWeights?: boolean; start?: unknown }[] }).__events);
  expect(events[0]).toMatchObject({ type: 'trainStart', freshWeights: false, stages: ['stereo', 'distill', 'fuse'], from: { stage: 'stereo', step: stopped } });
  // stage 1 makes no teacher labels, so its first step follows at once
  expect(events[1]).toMatchObject({ type: 'stageStart', start: { stage: 'stereo', labels: false } });
  expect(events[2]).toEqual({ type: 'step', step: stopped + 1 });
  // The maps shown on resuming, before it trained on, are those of the saved weights, bit for bit.
  expect(await selectedMaps(page, 0, '__firstMaps')).toEqual(before);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByRole('status')).toHaveText(/^Stopped in stage 1 after \d+ steps\.$/);
  expect(await page.evaluate(() => window.__rd!.store.getState().dataset.pairs.map((p) => p.name))).toEqual(['tsukuba', 'venus', 'teddy', 'cones']);
  expect(errors).toEqual([]);
});
