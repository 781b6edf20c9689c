// Holding up under load (issue 6): a long run keeps memory flat and the panels fresh, and a lost
// GPU device (WebGPU) or context (WebGL), during training or while idle, costs a restart, not the run.
import { expect, test, type Page } from '@playwright/test';
import { collectErrors, onlySmallPair, waitForRuntime } from './helpers';
import { tinyModel } from './modelFixture';
import { startServer } from './server';

interface Logged {
  /** Per step: stage, step, tf.memory() of the worker, page time. */
  steps: { stage: string; step: number; numTensors: number; numBytes: number; at: number }[];
  /** Page time of each preview drawn. */
  previews: number[];
  events: string[];
  /** The backendRestored event, with the index of the first step after it. */
  restored?: { from?: { stage: string; step: number }; lostSteps: number; atStep: number };
}

async function logTraining(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: Logged = { steps: [], previews: [], events: [] };
    Object.assign(window, { __log: log });
    window.__rd!.client.onTrainEvent((ev) => {
      if (ev.type === 'step') log.steps.push({ stage: ev.report.stage, step: ev.report.step, numTensors: ev.report.memory.numTensors, numBytes: ev.report.memory.numBytes, at: performance.now() });
      else if (ev.type === 'preview') log.previews.push(performance.now());
      else log.events.push(ev.type);
      if (ev.type === 'backendRestored') log.restored = { from: ev.from, lostSteps: ev.lostSteps, atStep: log.steps.length };
    });
  });
}

const readLog = (page: Page) => page.evaluate(() => (window as unknown as { __log: Logged }).__log);

async function waitForEnd(page: Page, timeout: number): Promise<void> {
  await page.waitForFunction(() => {
    const t = window.__rd!.store.getState().training;
    return t.phase === 'idle' && (t.lastEnd !== undefined || t.error !== undefined);
  }, undefined, { timeout });
}

/** For each stage: the tensor count and bytes of its steps, once it is past its first 10 (Adam's slots are made at step 1). */
function memoryByStage(steps: Logged['steps']): Record<string, { tensors: Set<number>; bytes: Set<number>; n: number }> {
  const out: Record<string, { tensors: Set<number>; bytes: Set<number>; n: number }> = {};
  for (const s of steps) {
    if (s.step <= 10) continue;
    const o = (out[s.stage] ??= { tensors: new Set(), bytes: new Set(), n: 0 });
    o.tensors.add(s.numTensors);
    o.bytes.add(s.numBytes);
    o.n += 1;
  }
  return out;
}

test('soak: 1000 steps across the three stages keep tensors and bytes flat, and a panel refresh lands at least every 2 s', async ({ page }) => {
  test.setTimeout(900_000);
  const errors = collectErrors(page);
  // The automatic backend (WASM here: the only WebGPU adapter is SwiftShader). Previews every 25 steps, or each second.
  await page.goto('/?preset=tiny&width=64&height=32&batch=1&stepsStereo=500&stepsDistill=300&stepsFuse=200&previewEvery=25');
  const runtime = await waitForRuntime(page);
  expect(runtime.error).toBeUndefined();
  await page.waitForFunction(() => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= 4);
  await logTraining(page);
  const t0 = await page.evaluate(() => performance.now());
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await waitForEnd(page, 840_000);
  const t1 = await page.evaluate(() => performance.now());
  const s = await page.evaluate(() => window.__rd!.store.getState().training);
  expect(s.error).toBeUndefined();
  expect(s.lastEnd).toBe('Training finished: stage 1, stage 2, stage 3 done.');
  const log = await readLog(page);
  expect(log.steps).toHaveLength(1000);

  // Flat: within a stage, every step after the first 10 has the same tensor count and bytes.
  const mem = memoryByStage(log.steps);
  expect(Object.keys(mem)).toEqual(['stereo', 'distill', 'fuse']);
  for (const [stage, m] of Object.entries(mem)) {
    expect([...m.tensors], `${stage}: numTensors over ${m.n} steps`).toHaveLength(1);
    expect([...m.bytes], `${stage}: numBytes over ${m.n} steps`).toHaveLength(1);
  }
  // And the run as a whole ends where a stage-3 step began: nothing piles up across stages either.
  const fuse = log.steps.filter((x) => x.stage === 'fuse');
  expect(fuse[fuse.length - 1].numTensors).toBe(fuse[10].numTensors);

  // Responsive: from the first step to the end, no gap between drawn previews above 2 s.
  const marks = [log.steps[0].at, ...log.previews.filter((p) => p > log.steps[0].at), t1];
  const gaps = marks.slice(1).map((m, i) => m - marks[i]);
  console.log(`soak: ${log.steps.length} steps in ${((t1 - t0) / 1000).toFixed(0)} s; ${log.previews.length} previews; longest gap ${Math.max(...gaps).toFixed(0)} ms; tensors per stage ${Object.entries(mem).map(([k, m]) => `${k} ${[...m.tensors][0]}`).join(', ')}`);
  // Where the long gaps were: the last step before each, and the longest step in it.
  const where = gaps
    .map((g, i) => ({ g, from: marks[i], to: marks[i + 1] }))
    .filter((x) => x.g >= 2000)
    .map((x) => {
      const inside = log.steps.filter((st) => st.at > x.from && st.at <= x.to);
      const last = log.steps.filter((st) => st.at <= x.from).pop();
      return `${x.g.toFixed(0)} ms after ${last ? `${last.stage} ${last.step}` : 'start'} (${inside.length} steps in it)`;
    });
  expect(Math.max(...gaps), where.join('; ')).toBeLessThan(2000);
  expect(errors).toEqual([]);
});

/** The selected pair's three maps as the worker predicts them from its current weights (retried while it is busy with the app's own requests). */
async function predictedMaps(page: Page): Promise<number[][]> {
  return page.evaluate(async () => {
    const { client, store } = window.__rd!;
    for (let i = 0; ; i++) {
      try {
        const { maps: m } = await client.predict(store.getState().dataset.selectedId!);
        return [m.stereoDisp, m.singleDisp, m.fusedDisp].map((a) => (a ? Array.from(a) : []));
      } catch (err) {
        if (i >= 600 || !String(err).includes('busy')) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });
}

test('WebGPU device lost mid-run: the worker says so, restarts on a fresh device, reloads the last weights and finishes; lost again while idle, it comes back with the same networks', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = collectErrors(page);
  await page.goto('/?backend=webgpu&preset=tiny&width=64&height=32&batch=1&stepsStereo=8&stepsDistill=2&stepsFuse=2&previewEvery=2');
  const runtime = await waitForRuntime(page);
  expect(runtime.backend, 'tf.getBackend() in the worker').toBe('webgpu');
  await page.waitForFunction(() => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= 4);
  await onlySmallPair(page); // one 64x32 pair: training crops and previews share one size, so shaders compile once per device
  await logTraining(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction(() => (window.__rd!.store.getState().training.progress.stereo?.step ?? 0) >= 3, undefined, { timeout: 300_000 });
  const ack = await page.evaluate(() => window.__rd!.client.control('loseDevice'));
  expect(ack.note).toBe('the WebGPU device was destroyed');
  await waitForEnd(page, 400_000);

  const s = await page.evaluate(() => window.__rd!.store.getState());
  expect(s.training.error).toBeUndefined();
  expect(s.training.lastEnd).toBe('Training finished: stage 1, stage 2, stage 3 done.');
  expect(s.training.completed).toEqual(['stereo', 'distill', 'fuse']);
  // The user sees what happened, in the backend panel.
  const incidents = page.getByTestId('backend-incidents');
  await expect(incidents).toContainText(/The WebGPU device was lost during training \(destroyed/);
  await expect(incidents).toContainText(/Training goes on on WebGPU from the last saved weights \(stage 1, step \d+; \d+ steps? redone\)\. Restarted on a fresh WebGPU device\./);
  expect(s.runtime.backend).toBe('webgpu');

  const log = await readLog(page);
  expect(log.events.filter((e) => e === 'backendLost' || e === 'backendRestored')).toEqual(['backendLost', 'backendRestored']);
  // Stage 1 went on from a saved step no later than the last one reported before the loss, and ran to its end.
  const r = log.restored!;
  expect(r.from?.stage).toBe('stereo');
  const before = log.steps.slice(0, r.atStep).map((x) => x.step);
  const after = log.steps.slice(r.atStep).filter((x) => x.stage === 'stereo').map((x) => x.step);
  expect(before.length).toBeGreaterThanOrEqual(3);
  expect(r.from!.step).toBeLessThanOrEqual(before[before.length - 1]);
  expect(r.lostSteps).toBe(before[before.length - 1] - r.from!.step);
  expect(after).toEqual(Array.from({ length: 8 - r.from!.step }, (_, i) => r.from!.step + 1 + i));
  expect(log.events.filter((e) => e === 'stageEnd')).toHaveLength(3);
  // The networks on the new device give finite maps.
  const trained = await predictedMaps(page);
  expect(trained.map((a) => a.length > 0 && a.every(Number.isFinite))).toEqual([true, true, true]);

  // Lost again, now with no training running: the worker restarts by itself and rebuilds the
  // same networks from the weights it read back when the run ended.
  await loseWhileIdle(page, trained, { what: 'WebGPU device', label: 'WebGPU', reason: 'destroyed', ack: 'the WebGPU device was destroyed' });
  expect(await page.evaluate(() => window.__rd!.store.getState().training)).toMatchObject({ hasWeights: true, completed: ['stereo', 'distill', 'fuse'] });
  expect(errors).toEqual([]);
});

test('WebGL context lost while idle, after loading a model: the worker restarts on a fresh context with the same networks', async ({ page }) => {
  test.setTimeout(480_000);
  const errors = collectErrors(page);
  const m = await tinyModel(31);
  const hosted = await startServer({ routes: { '/m/model.json': { type: 'application/json', body: m.json }, '/m/weights.bin': { body: m.bin } }, cors: true });
  try {
    const url = `${hosted.origin}/m/model.json`;
    await page.goto(`/?backend=webgl&weights=${encodeURIComponent(url)}`);
    const runtime = await waitForRuntime(page);
    expect(runtime.backend, 'tf.getBackend() in the worker').toBe('webgl');
    await page.waitForFunction(() => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= 4);
    await onlySmallPair(page); // one 64x32 pair: its maps are predicted at one small size
    await expect(page.getByRole('status')).toHaveText(`Loaded the model from ${url}.`, { timeout: 120_000 });
    await page.waitForFunction(() => {
      const st = window.__rd!.store.getState();
      return st.buffers.previews.get(st.dataset.selectedId ?? '')?.singleDisp !== undefined; // the app's own maps of the loaded model
    }, undefined, { timeout: 180_000 });
    const loaded = await predictedMaps(page);
    expect(loaded.slice(0, 2).map((a) => a.length > 0 && a.every(Number.isFinite))).toEqual([true, true]);
    await loseWhileIdle(page, loaded, { what: 'WebGL context', label: 'WebGL', reason: 'context lost', ack: 'the WebGL context was lost' });
    expect(await page.evaluate(() => window.__rd!.store.getState().training.hasWeights)).toBe(true);
  } finally {
    await hosted.close();
  }
  expect(errors).toEqual([]);
});

/** Loses the GPU device with no training running; the worker restarts by itself, and the maps are those of before. */
async function loseWhileIdle(page: Page, before: number[][], c: { what: string; label: string; reason: string; ack: string }): Promise<void> {
  const weights = () => page.evaluate(async () => Array.from(new Uint8Array((await window.__rd!.client.checkpoint()).weightData)));
  const weightsBefore = await weights();
  expect((await page.evaluate(() => window.__rd!.client.control('loseDevice'))).note).toBe(c.ack);
  const incidents = page.getByTestId('backend-incidents');
  await expect(incidents).toContainText(`The ${c.what} was lost while idle (${c.reason}`);
  await expect(incidents).toContainText(`Restarted on ${c.label}. The trained networks were rebuilt from their last weights: nothing was lost. Restarted on a fresh ${c.what}.`, { timeout: 120_000 });
  expect(await page.evaluate(() => window.__rd!.store.getState().runtime.backend)).toBe(c.label.toLowerCase());
  const again = await predictedMaps(page);
  expect(again.map((a) => a.length)).toEqual(before.map((a) => a.length));
  const worst = again.map((a, i) => a.reduce((w, v, j) => Math.max(w, Math.abs(v - before[i][j])), 0));
  for (const w of worst) expect(w).toBeLessThan(1e-3);
  expect(await weights()).toEqual(weightsBefore); // bit for bit
}
