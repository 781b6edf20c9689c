// Adapt in a real Chromium (wasm: a tiny model on 64x32 crops, a 6 s budget): import a model,
// add a pair of one's own with its GT, press "Adapt to these pairs", and check that the Metrics
// table gives the scores before and after, that the run took about its budget (the step counts
// are set far out of reach), and that the settings, the address and a saved model keep the step
// counts (the budget was for that run only).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { collectErrors, waitForRuntime } from './helpers';
import { tinyModel } from './modelFixture';

const here = path.dirname(fileURLToPath(import.meta.url));
const TSUKUBA = path.resolve(here, '../public/samples/tsukuba');
// step counts no run here could finish: an Adapt that ends went by its budget
const STEPS = { stepsStereo: 100000, stepsDistill: 100000, stepsFuse: 100000, previewEvery: 1000 };
const URL = `/?backend=wasm&preset=tiny&width=64&height=32&batch=1&${new URLSearchParams(Object.entries(STEPS).map(([k, v]) => [k, String(v)]))}`;
const BUDGET = 6;

test('Adapt: a loaded model fine-tuned on the user pair within its budget, metrics before and after', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  const model = await tinyModel(11, STEPS);
  const files = [testInfo.outputPath('model.json'), testInfo.outputPath('weights.bin')];
  writeFileSync(files[0], model.json);
  writeFileSync(files[1], model.bin);
  await page.addInitScript(() => {
    // every text the status region shows, from before the first paint
    const log: string[] = [];
    (window as unknown as { __statusLog: string[] }).__statusLog = log;
    new MutationObserver(() => {
      const text = document.querySelector('[role="status"]')?.textContent ?? '';
      if (text !== log[log.length - 1]) log.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });

  await page.goto(URL);
  expect((await waitForRuntime(page)).error).toBeUndefined();
  await page.waitForFunction(() => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= 4); // the samples
  await page.getByLabel('Import model').setInputFiles(files);
  await expect(page.getByRole('status')).toHaveText('Loaded the model from model.json + weights.bin.');

  // offered with the model, but only the user's own pairs count
  const panel = page.getByRole('region', { name: 'Adapt to your pairs' });
  const adapt = panel.getByRole('button', { name: 'Adapt to these pairs' });
  await expect(adapt).toBeDisabled();
  await expect(panel).toContainText('Add stereo pairs of your own');
  await page.getByLabel('Add stereo pairs').setInputFiles(['left.png', 'right.png', 'disp_left.pgm'].map((f) => path.join(TSUKUBA, f)));
  await page.getByLabel('GT scale for disp_left.pgm').fill('16');
  await page.getByRole('button', { name: 'Attach GT' }).click();
  const mine = page.getByRole('button', { name: /^pair 1 384×288 · GT/ });
  await mine.click();
  await expect(mine).toHaveAttribute('aria-pressed', 'true');

  await panel.getByLabel('Adapt budget (s)').fill(String(BUDGET));
  await expect(panel).toContainText('StereoNet 3 s · SingleNet 1.8 s · fused fine-tuning 1.2 s');
  await expect(adapt).toBeEnabled();
  await adapt.click();
  await expect(page.getByRole('status')).toHaveText(/^(Adapted|Adapt failed|Cannot adapt)/, { timeout: 240_000 });
  await expect(page.getByRole('status')).toHaveText(new RegExp(`^Adapted to 1 pair of yours in [\\d.]+ s \\(budget ${BUDGET} s\\): stage 1 \\d+ steps?, stage 2 \\d+ steps?, stage 3 \\d+ steps?\\.$`), { timeout: 1 });

  // the Metrics table: the loaded model's scores and the adapted ones, each group named
  const metrics = page.getByRole('table', { name: 'Metrics' });
  await expect(metrics).toContainText('Before Adapt: the weights it started from (model.json + weights.bin), scored as it started');
  await expect(metrics).toContainText(`After Adapt (${BUDGET} s budget), scored at its end`);
  await expect(metrics.locator('tr[data-when="before"]').first()).toContainText('StereoNet, before');
  await expect(metrics.locator('tr[data-when="after"]').first()).toContainText('StereoNet, after');
  expect(await metrics.locator('tr[data-when="before"]').count()).toBe(3); // the model had stage 2: StereoNet, SingleNet, fused
  expect(await metrics.locator('tr[data-when="after"]').count()).toBe(3);

  const run = await page.evaluate(() => {
    const t = window.__rd!.store.getState().training;
    return { adapt: t.adapt, progress: t.progress, values: window.__rd!.store.getState().settings.values };
  });
  // the budget ruled: each stage ran until its share was spent (the label passes and the last step overrun a little)
  const seconds = run.adapt!.seconds!;
  testInfo.annotations.push({ type: 'adapt', description: `${seconds.toFixed(1)} s for a ${BUDGET} s budget; steps ${Object.values(run.progress).map((p) => p!.step).join(' / ')}` });
  expect(seconds).toBeGreaterThanOrEqual(BUDGET * 0.95);
  expect(seconds).toBeLessThan(BUDGET + 15);
  expect(Object.values(run.progress).map((p) => p!.budgetSec)).toEqual([3, 1.8, 1.2].map((v) => expect.closeTo(v, 5)));
  for (const p of Object.values(run.progress)) expect(p!.step).toBeLessThan(STEPS.stepsStereo);
  const log = await page.evaluate(() => (window as unknown as { __statusLog: string[] }).__statusLog);
  expect(log.some((t) => /^Adapt: Stage 1 of 3: .* — \d:\d\d left of 0:03 \(run: \d:\d\d of 0:06 left\), step \d+$/.test(t)), log.join(' | ')).toBe(true);

  // the budget was for that run only: the settings, the address and a saved model keep the step counts
  expect(run.values).toMatchObject({ ...STEPS, budgetSeconds: 0 });
  await expect(page).toHaveURL(/stepsStereo=100000/);
  expect(page.url()).not.toMatch(/budgetSeconds/);
  const saved = await page.evaluate(async () => ((await window.__rd!.client.checkpoint()).modelJson as { userDefinedMetadata: { settings: Record<string, unknown> } }).userDefinedMetadata.settings);
  expect(saved).toMatchObject({ ...STEPS, budgetSeconds: 0 });
  expect(errors).toEqual([]);
});
