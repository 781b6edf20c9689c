// The WGSL kernels (src/backends/webgpu/) give the values and gradients of the stock-op
// versions of the correlation, the warp, the photometric error, the smoothness, the disparity upsampling and
// the conv layer, on the WebGPU backend (SwiftShader here).
import { expect, test } from '@playwright/test';
import { collectErrors } from './helpers';

test('WGSL correlation, warp, photometric, smoothness and upsampling kernels and the fused conv layer match the stock-op versions, with fewer dispatches', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/e2e/pages/kernels.html');
  await page.waitForFunction(() => typeof window.__kernelCheck === 'function');
  const r = await page.evaluate(() => window.__kernelCheck!());
  expect(r.backend, 'tf.getBackend() on the test page').toBe('webgpu');
  expect(r.cases.length).toBe(18);
  for (const c of r.cases) {
    expect(c.valueErr, `${c.name}: value`).toBeLessThan(1e-5);
    c.gradErrs.forEach((e, i) => expect(e, `${c.name}: gradient ${i}`).toBeLessThan(1e-4));
    expect(c.kernels[0], `${c.name}: kernels (ours vs stock ${c.kernels[1]})`).toBeLessThan(c.kernels[1]);
  }
  expect(r.leaked, 'tensors left behind').toBe(0);
  console.log(r.cases.map((c) => `${c.name}: kernels ${c.kernels[0]} vs ${c.kernels[1]}, value err ${c.valueErr.toExponential(1)}, grad errs ${c.gradErrs.map((e) => e.toExponential(1)).join(' ')}`).join('\n'));
  expect(errors).toEqual([]);
});

test('a whole stage-1 step dispatches fewer kernels with the WGSL kernels than with stock ops', async ({ page }) => {
  await page.goto('/e2e/pages/kernels.html');
  await page.waitForFunction(() => typeof window.__stepKernels === 'function');
  // The bounds below were measured on the tiny network as it was before 5bda7c5 (the 'regress' design), so they are
  // checked on that network; the matching design, which the presets use now, has its own count below.
  const r = await page.evaluate(() => window.__stepKernels!('regress'));
  expect(r.backend).toBe('webgpu');
  console.log(`stage-1 step (tiny StereoNet, 64x32): ${r.ours} kernels with ours, ${r.stock} with stock ops; most dispatched: ${r.top.map(([n, c]) => `${n} ${c}`).join(', ')}`);
  console.log(`GPU dispatches (dispatchWorkgroups calls) of the loss and its gradients: ${r.dispatches.ours} with ours, ${r.dispatches.stock} with stock ops`);
  console.log(`GPU dispatches of the whole step (gradients and the Adam update): ${r.dispatches.stepOurs} with ours, ${r.dispatches.stepStock} with stock ops`);
  expect(r.ours).toBeLessThan(r.stock);
  expect(r.dispatches.ours).toBeGreaterThan(100); // the counter sees the step
  expect(r.dispatches.ours).toBeLessThan(r.dispatches.stock);
  expect(r.dispatches.stepOurs).toBeGreaterThan(r.dispatches.ours); // the update is counted
  expect(r.dispatches.stepOurs).toBeLessThan(r.dispatches.stepStock);
  // Issue 6's target: half the dispatches of the first measured version (commit 28e4649, stock ops and
  // tf.train.adam, counted with this same counter on this step: 2,747 for the loss and its gradients,
  // 3,447 with the Adam update).
  expect(r.dispatches.ours).toBeLessThanOrEqual(2747 / 2);
  expect(r.dispatches.stepOurs).toBeLessThanOrEqual(3447 / 2);
  // With the photometric error and the smoothness as WGSL kernels (a0c4c19: 1,306 -> 742 and
  // 1,456 -> 892 on this step) it is under a third: on a real GPU the step is bound by one core
  // encoding dispatches (BENCHMARKS.md, "A real-GPU step is bound by its dispatches"), so this count is the
  // GPU path's speed (BENCHMARKS.md, "WebGPU dispatches per stage-1 step", has each change). The
  // conv backward (dz in one kernel, the bias sum inside the filter gradient's pass): 742 -> 671, 892 -> 821;
  // the disparity upsampling as one kernel a level each way: -> 575, 725; no zero gradients for the
  // occlusion mask's input and the photometric error's constant image: -> 527, 677; each view's masked
  // mean as a sum of err * (mask / its view's mask sum): -> 503, 653; the smoothness's mean
  // normalisation inside its kernels: -> 459, 609.
  expect(r.dispatches.ours).toBeLessThanOrEqual(2747 / 3);
  expect(r.dispatches.stepOurs).toBeLessThanOrEqual(3447 / 3);
  // Those changes left it under a fifth (459 and 609 against 549 and 689): a change that gives some of
  // it back fails here.
  expect(r.dispatches.ours).toBeLessThanOrEqual(2747 / 5);
  expect(r.dispatches.stepOurs).toBeLessThanOrEqual(3447 / 5);
  // Issue 6's other WebGPU target: the warp and the correlation under 10 % of a stage-1 step. On a real GPU a step is
  // bound by the dispatches (one core's JavaScript and Dawn encoding: BENCHMARKS.md, "A real-GPU step is bound by its
  // dispatches"), so their share of the step's dispatches stands in for their share of its time until a GPU run times it.
  const total = r.byProgram.reduce((a, [, n]) => a + n, 0);
  const warpCorr = r.byProgram.filter(([k]) => /^rd_(warp|corr)_/.test(k)).reduce((a, [, n]) => a + n, 0);
  console.log(`the step's dispatches by program: ${r.byProgram.map(([k, n]) => `${k} ${n}`).join(', ')}; warp + correlation ${warpCorr} of ${total} (${((100 * warpCorr) / total).toFixed(1)} %)`);
  expect(total).toBe(r.dispatches.stepOurs);
  expect(warpCorr).toBeGreaterThan(0); // the counter finds our programs
  expect(warpCorr / total).toBeLessThan(0.1);

  // The matching design (5bda7c5) adds the features' normalisation and a softmax per level: 611 dispatches for the loss
  // and its gradients and 764 for the step when it came, against 459 and 609 for the regressing network above (and
  // 1,716 and 2,430 with stock ops). A change that gives back any of our kernels' savings on it fails here.
  const m = await page.evaluate(() => window.__stepKernels!('match'));
  console.log(`matching design: ${m.dispatches.ours} dispatches for the loss and gradients (${m.dispatches.stock} with stock ops), ${m.dispatches.stepOurs} for the step (${m.dispatches.stepStock})`);
  expect(m.dispatches.ours).toBeLessThan(m.dispatches.stock / 2.5);
  expect(m.dispatches.ours).toBeLessThanOrEqual(611);
  expect(m.dispatches.stepOurs).toBeLessThanOrEqual(764);
  const mTotal = m.byProgram.reduce((a, [, n]) => a + n, 0);
  const mWarpCorr = m.byProgram.filter(([k]) => /^rd_(warp|corr)_/.test(k)).reduce((a, [, n]) => a + n, 0);
  expect(mWarpCorr / mTotal).toBeLessThan(0.1);
});

test('Adam\'s WGSL update equals the stock-op update, in three dispatches a variable', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/e2e/pages/kernels.html');
  await page.waitForFunction(() => typeof window.__adamCheck === 'function');
  const r = await page.evaluate(() => window.__adamCheck!());
  expect(r.backend).toBe('webgpu');
  console.log(`Adam, 3 variables, 4 steps: max |ours - stock| ${r.maxErr.toExponential(1)} (weights moved up to ${r.moved.toFixed(3)}); dispatches of one update ${r.dispatches.ours} vs ${r.dispatches.stock}`);
  expect(r.moved).toBeGreaterThan(1e-2);
  expect(r.maxErr).toBeLessThan(1e-6);
  expect(r.dispatches.ours).toBe(3 * 3);
  expect(r.dispatches.stock).toBeGreaterThan(r.dispatches.ours);
  expect(r.leaked).toBe(0);
  expect(errors).toEqual([]);
});
