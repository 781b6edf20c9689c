// Saving, loading and sharing models in a real Chromium (wasm backend: these tests are about
// files, links and checks, not GPU speed): export -> import round trip by picker and by drop,
// ?weights= links that fail in every way we know of without touching the current model, a
// link with the weights inside, and autosave -> reload -> resume.
import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { collectErrors, dropFiles, freshMaps, selectedMaps, waitForRuntime, waitForSelectedMaps } from './helpers';

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
