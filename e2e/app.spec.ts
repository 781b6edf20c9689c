// The live trainer in a real Chromium: the sample scenes on first open; adding a real pair with
// its GT through the file input; all three stages on WebGPU (SwiftShader without a GPU: slow, so
// 64x32 crops and 7 steps); every panel drawn; metrics; hover read-out; a bad file.
// RD_SCREENSHOT=1 also writes docs/screenshot-training.png (the README's screenshot).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { collectErrors, dropFiles, removeAllPairs, waitForRuntime } from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Real scenes to add through the file input: the bundled samples, so that a clone without the shared data folder runs this too. */
const STEREO = path.resolve(here, '../public/samples');
const TRAIN_URL = '/?backend=webgpu&preset=tiny&width=64&height=32&batch=1&stepsStereo=3&stepsDistill=2&stepsFuse=2&previewEvery=1';
const SAMPLES = ['tsukuba', 'venus', 'teddy', 'cones'];
const PANELS = ['Left image', 'Right image', 'StereoNet disparity', 'SingleNet disparity', 'Occlusion map', 'Fused disparity'];

/** Whether the panel's canvas has at least two different pixel colours. */
async function panelHasPicture(page: Page, name: string): Promise<boolean> {
  return page
    .getByRole('figure', { name, exact: true })
    .locator('canvas.map-canvas')
    .evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      for (let i = 4; i < data.length; i += 4) {
        if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) return true;
      }
      return false;
    });
}

async function waitForSamples(page: Page): Promise<void> {
  await page.waitForFunction((n) => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= n, SAMPLES.length);
}

/** Records every text the status region shows (MutationObserver from before the first paint). */
async function recordStatus(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const log: string[] = [];
    (window as unknown as { __statusLog: string[] }).__statusLog = log;
    new MutationObserver(() => {
      const text = document.querySelector('[role="status"]')?.textContent ?? '';
      if (text !== log[log.length - 1]) log.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

test('first open: the sample scenes are listed and their left and right images drawn', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?weights=none'); // untrained networks: the first screen with the shipped model is e2e/firstscreen.spec.ts
  await waitForSamples(page);
  const list = page.getByRole('list', { name: 'Stereo pairs' });
  for (const name of SAMPLES) await expect(list.getByRole('button', { name: new RegExp(`^${name}\\b`) })).toBeVisible();
  await expect(page.getByRole('heading', { name: /^Maps: tsukuba/ })).toBeVisible();
  await expect.poll(() => panelHasPicture(page, 'Left image')).toBe(true);
  await expect.poll(() => panelHasPicture(page, 'Right image')).toBe(true);
  await expect(page.getByRole('figure', { name: 'Ground truth', exact: true })).toBeVisible();
  await waitForRuntime(page);
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();

  // The optional 3D relief (three.js, WebGL) of the ground truth, before any training.
  await page.getByText('3D relief', { exact: true }).click();
  await page.getByRole('combobox', { name: 'Relief map' }).selectOption('gt');
  const relief = page.getByRole('figure', { name: '3D relief' }).locator('canvas');
  await expect(relief).toBeVisible();
  await expect
    .poll(() =>
      relief.evaluate((c: HTMLCanvasElement) => {
        const copy = document.createElement('canvas');
        [copy.width, copy.height] = [c.width, c.height];
        const ctx = copy.getContext('2d')!;
        ctx.drawImage(c, 0, 0);
        const data = ctx.getImageData(0, 0, c.width, c.height).data;
        return new Set(Array.from({ length: 200 }, (_, k) => data[4 * Math.floor((k * data.length) / 800)])).size > 5;
      }),
    )
    .toBe(true);
  expect(errors).toEqual([]);
});

test('settings: the URL follows them, and an invalid value gets its message', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=wasm&stepsStereo=7');
  await waitForSamples(page);
  await page.getByText('Settings', { exact: true }).click();
  const steps = page.getByLabel('Stage 1 steps', { exact: true });
  await expect(steps).toHaveValue('7');
  await steps.fill('123');
  await expect(page).toHaveURL(/\?backend=wasm&stepsStereo=123$/);
  await page.getByLabel('Crop width', { exact: true }).fill('100');
  await expect(page.getByRole('alert').filter({ hasText: 'Crop width must be a multiple of 32' })).toBeVisible();
  await expect(page).toHaveURL(/\?backend=wasm&stepsStereo=123$/);
  expect(errors).toEqual([]);
});

test('Pause, Resume and Reset while the worker trains; a pair added meanwhile joins at the next step', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=wasm&preset=tiny&width=64&height=32&batch=1&stepsStereo=100000&previewEvery=5');
  await waitForRuntime(page);
  await waitForSamples(page);
  const status = page.getByRole('status');
  const step = async () => Number(/step (\d+) \//.exec((await status.textContent()) ?? '')?.[1] ?? -1);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(step).toBeGreaterThan(2);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect(status).toContainText('(paused)');
  // The step in flight when Pause was pressed, and reports already on their way, may still land
  // (with fast tiny steps that can be two); after that the count must not move.
  await page.waitForTimeout(500);
  const paused = await step();
  await page.waitForTimeout(1500);
  expect(await step()).toBe(paused);
  await page.getByRole('button', { name: 'Resume', exact: true }).click();
  await expect.poll(step).toBeGreaterThan(paused + 2);
  await expect.poll(() => panelHasPicture(page, 'StereoNet disparity')).toBe(true);

  await page.getByLabel('Add stereo pairs').setInputFiles(['left.png', 'right.png'].map((f) => path.join(STEREO, 'venus', f)));
  await expect(page.getByText('Note: the new pairs join the training from the next step')).toBeVisible();
  await expect.poll(step).toBeGreaterThan(paused + 4); // and training goes on with them

  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(status).toHaveText('Reset: the networks start from new weights on the next Train.');
  await expect(page.getByRole('button', { name: 'Train', exact: true })).toBeEnabled();
  expect(await panelHasPicture(page, 'StereoNet disparity')).toBe(true); // the "no map yet" placeholder text
  const after = await page.evaluate(() => {
    const s = window.__rd!.store.getState();
    return { pairs: s.dataset.pairs.length, previews: s.buffers.previews.size, hasWeights: s.training.hasWeights, losses: s.buffers.losses.stereo.steps.length };
  });
  expect(after).toEqual({ pairs: SAMPLES.length + 1, previews: 0, hasWeights: false, losses: 0 });
  expect(errors).toEqual([]);
});

test('drag and drop: a real pair dropped on the page is added and drawn', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=wasm');
  await waitForSamples(page);
  const files = ['left.png', 'right.png'].map((name) => ({ name, type: 'image/png', bytes: readFileSync(path.join(STEREO, 'venus', name)) }));
  await dropFiles(page, files);
  const added = page.getByRole('list', { name: 'Stereo pairs' }).getByRole('button', { name: /^pair 1 434×383 · no GT/ });
  await expect(added).toBeVisible();
  expect(await page.evaluate(() => window.__rd!.store.getState().dataset.pairs.length)).toBe(SAMPLES.length + 1);
  await added.click();
  await expect(page.getByRole('heading', { name: /^Maps: pair 1/ })).toBeVisible();
  await expect.poll(() => panelHasPicture(page, 'Left image')).toBe(true);
  expect(errors).toEqual([]);
});

test('previews arrive about once a second while training, not only every previewEvery steps', async ({ page }) => {
  const errors = collectErrors(page);
  // previewEvery=10000: without the time rule no preview would come before step 10000.
  await page.goto('/?backend=wasm&preset=tiny&width=64&height=32&batch=1&stepsStereo=100000&previewEvery=10000');
  await waitForRuntime(page);
  await waitForSamples(page);
  await page.evaluate(() => {
    const log: { step: number; at: number }[] = [];
    const steps: number[] = [];
    Object.assign(window, { __previews: log, __steps: steps });
    let step = 0;
    window.__rd!.client.onTrainEvent((ev) => {
      if (ev.type === 'step') [step] = [ev.report.step, steps.push(performance.now())];
      if (ev.type === 'preview') log.push({ step, at: performance.now() });
    });
  });
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  const previews = () => page.evaluate(() => (window as unknown as { __previews: { step: number; at: number }[] }).__previews);
  await expect.poll(async () => (await previews()).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('Stopped in stage 1');
  const log = await previews();
  expect(log.every((p) => p.step > 0 && p.step < 10000)).toBe(true);
  // About once a second: the first step that ends a second after a preview sends the next one, so no gap is longer
  // than a second plus the longest step (and the preview itself), and on average (arrival times jitter when the
  // page is busy) they are not shorter than a second: no more previews than needed.
  const stepTimes = await page.evaluate(() => (window as unknown as { __steps: number[] }).__steps);
  const longestStep = Math.max(...stepTimes.slice(1).map((t, i) => t - stepTimes[i]));
  const gaps = log.slice(1).map((p, i) => p.at - log[i].at);
  expect(Math.max(...gaps)).toBeLessThan(1000 + 2 * longestStep + 300);
  expect((log[log.length - 1].at - log[0].at) / (log.length - 1)).toBeGreaterThan(980);
  await expect.poll(() => panelHasPicture(page, 'StereoNet disparity')).toBe(true);
  expect(errors).toEqual([]);
});

test('WebGPU: add tsukuba with its GT, train all three stages, inspect every panel, metrics, and a bad file', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = collectErrors(page);
  await recordStatus(page);
  await page.goto(TRAIN_URL);
  const runtime = await waitForRuntime(page);
  expect(runtime.error).toBeUndefined();
  expect(runtime.backend, 'tf.getBackend() in the worker').toBe('webgpu');
  await waitForSamples(page);
  // The samples go first (wasm tests train on several pairs): on SwiftShader each image size compiles the
  // networks' shaders anew, and the four samples' sizes took about a minute of this test.
  await removeAllPairs(page);

  // Bare file names do not tell the dataset, so the page asks for the GT scale.
  await page.getByLabel('Add stereo pairs').setInputFiles(['left.png', 'right.png', 'disp_left.pgm'].map((f) => path.join(STEREO, 'tsukuba', f)));
  await page.getByLabel('GT scale for disp_left.pgm').fill('16');
  await page.getByRole('button', { name: 'Attach GT' }).click();
  const added = page.getByRole('button', { name: /^pair 1 384×288 · GT/ });
  await expect(added).toBeVisible();
  await added.click();
  await expect(added).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByRole('heading', { name: /^Maps: pair 1/ })).toBeVisible();

  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('Stage 1 of 3: StereoNet (self-supervised) — step');
  if (process.env.RD_SCREENSHOT === '1') {
    // In stage 3, once a preview with SingleNet's map (given from the end of stage 2 on) is drawn.
    await expect(page.getByRole('status')).toContainText('Stage 3 of 3', { timeout: 300_000 });
    await page.waitForFunction(() => {
      const s = window.__rd!.store.getState();
      return s.buffers.previews.get(s.dataset.selectedId!)?.singleDisp !== undefined;
    });
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(200); // a frame or two to draw
    mkdirSync(path.resolve(here, '../docs'), { recursive: true });
    await page.screenshot({ path: path.resolve(here, '../docs/screenshot-training.png') });
  }
  // wait for the run to end either way, so that a failed run fails the test at once with its message
  await expect(page.getByRole('status')).toHaveText(/^Training (finished|failed)/, { timeout: 540_000 });
  await expect(page.getByRole('status')).toHaveText('Training finished: stage 1, stage 2, stage 3 done.', { timeout: 1 });
  const log = await page.evaluate(() => (window as unknown as { __statusLog: string[] }).__statusLog);
  for (const n of [1, 2, 3]) expect(log.some((t) => t.startsWith(`Stage ${n} of 3`)), `status showed stage ${n}: ${log.join(' | ')}`).toBe(true);
  expect(log).toContain('Stage 2 of 3: SingleNet (occlusion-aware distillation) — step 2 / 2');

  // The final maps of the selected pair arrive after the run.
  await page.waitForFunction(() => {
    const s = window.__rd!.store.getState();
    return s.buffers.previews.get(s.dataset.selectedId!)?.fusedDisp !== undefined;
  });
  for (const name of [...PANELS, 'Ground truth', 'Error map']) {
    await expect.poll(() => panelHasPicture(page, name), { message: `${name} has non-constant pixels` }).toBe(true);
  }

  const metrics = page.getByRole('table', { name: 'Metrics' });
  for (const row of ['StereoNet', 'SingleNet', 'Fused']) {
    await expect(metrics.getByRole('row', { name: new RegExp(`^${row}`) }).getByRole('cell').first()).toHaveText(/^\d+\.\d\d$/);
  }

  const canvas = page.getByRole('figure', { name: 'StereoNet disparity', exact: true }).locator('canvas.map-canvas');
  const box = (await canvas.boundingBox())!;
  await canvas.hover({ position: { x: box.width * 0.6, y: box.height * 0.5 } }); // scrolls it into view first
  await expect(page.getByTestId('hover-readout')).toHaveText(/^x \d+, y \d+: StereoNet -?\d+\.\d\d px · SingleNet .* · GT \d+\.\d\d px · (not )?occluded/);

  // A file that is not an image: a message, and the dataset and the trained networks stay.
  await page.getByLabel('Add stereo pairs').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
  await expect(page.getByRole('log', { name: 'Messages' })).toContainText('notes.txt: not an image (.txt), skipped.');
  const after = await page.evaluate(() => {
    const s = window.__rd!.store.getState();
    return { pairs: s.dataset.pairs.length, completed: s.training.completed, hasWeights: s.training.hasWeights };
  });
  expect(after).toEqual({ pairs: 1, completed: ['stereo', 'distill', 'fuse'], hasWeights: true });
  expect(errors).toEqual([]);
});
