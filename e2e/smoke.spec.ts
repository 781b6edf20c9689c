// The app in a real Chromium: backend choice in the worker and one forward pass of each
// network. On a machine without a GPU, WebGPU runs on SwiftShader (slow): 64x32 only.
import { expect, test } from '@playwright/test';
import { collectErrors, expectHealthySelftest, runSelftestFromUi, waitForRuntime } from './helpers';

const W = 64;
const H = 32;

test('?backend=webgpu: the worker runs on WebGPU and both networks give finite outputs', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=webgpu&weights=none'); // no shipped model: the worker must be free for the self-test
  await expect(page.getByRole('heading', { name: 'Reciprocal Depth' })).toBeVisible();

  const adapter = await page.evaluate(async () => {
    const a = await navigator.gpu?.requestAdapter();
    // `info` is newer than the @webgpu/types in node_modules.
    const info = (a as (GPUAdapter & { info?: { architecture?: string } }) | null)?.info;
    return a ? { architecture: info?.architecture ?? '', fallback: a.isFallbackAdapter } : null;
  });
  expect(adapter, 'navigator.gpu.requestAdapter() on the page').not.toBeNull();

  const runtime = await waitForRuntime(page);
  expect(runtime.error).toBeUndefined();
  expect(runtime.requested).toBe('webgpu');
  expect(runtime.backend, 'tf.getBackend() in the worker').toBe('webgpu');
  await expect(page.getByTestId('backend-name')).toHaveText('WebGPU');

  const st = await runSelftestFromUi(page);
  expectHealthySelftest(st, W, H);
  expect(st.result!.backend).toBe('webgpu');
  await expect(page.getByRole('status')).toContainText('Self-test passed');
  expect(errors).toEqual([]);
});

test('no ?backend: the worker picks WASM when the only WebGPU adapter is software, and says why', async ({ page }) => {
  const errors = collectErrors(page);
  const wasmFetched: string[] = [];
  page.on('request', (r) => {
    if (/\.wasm$/.test(r.url())) wasmFetched.push(r.url().split('/').pop()!);
  });
  await page.goto('/?weights=none'); // no shipped model: the worker must be free for the busy probe
  const runtime = await waitForRuntime(page);
  expect(runtime.error).toBeUndefined();
  expect(runtime.requested).toBeUndefined();
  expect(runtime.adapter, 'the worker saw a WebGPU adapter').toBeDefined();
  // The dev server sends COOP/COEP, so the page and its worker are cross-origin isolated.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(runtime.crossOriginIsolated).toBe(true);

  if (runtime.adapter!.isFallback) {
    expect(runtime.backend).toBe('wasm');
    const reason = runtime.reasons.find((r) => r.startsWith('WebGPU not used'));
    expect(reason).toMatch(/software fallback/);
    await expect(page.getByTestId('backend-name')).toHaveText('WebAssembly (WASM)');
    await expect(page.getByTestId('backend-reasons')).toContainText(reason!);
    // Isolated, tfjs loads its threaded SIMD build. With the default settings (256x128, batch 2) the
    // worker keeps one thread on a 2-core machine (two are slower there: src/train/wasmThreads.ts), else
    // half the cores up to 4. A plain visit plans for the shipped model's step: e2e/firstscreen.spec.ts.
    expect(wasmFetched).toEqual([expect.stringMatching(/^tfjs-backend-wasm-threaded-simd[^/]*\.wasm$/)]);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(runtime.wasmThreads).toBe(cores <= 2 ? 1 : Math.min(4, Math.floor(cores / 2)));
    if (cores === 2) {
      await expect(page.getByTestId('wasm-threads')).toHaveText(
        'WebAssembly threads: 1 (one of the 2 logical cores: two are slower for steps below the default network on 384x192x2 pixels; ?wasmThreads=2 for both; the page is cross-origin isolated).',
      );
      // our own convolution kernels (src/backends/wasm/conv.ts)
      await expect(page.getByTestId('wasm-conv')).toHaveText("Convolutions: the app's own WebAssembly SIMD kernels, on 1 thread.");
    }
    console.log(`wasm threads: ${runtime.wasmThreads} of ${cores} logical cores (cross-origin isolated)`);
  } else {
    expect(runtime.backend).toBe('webgpu');
  }

  const st = await runSelftestFromUi(page);
  expectHealthySelftest(st, W, H);
  expect(st.result!.backend).toBe(runtime.backend);

  // The worker refuses a request while another runs. A train is the request that is surely still
  // running when the next arrives: an init or a self-test may finish before the worker reads the
  // next message (their awaits can all resolve at once), which made an init-then-selftest probe racy.
  await page.waitForFunction(() => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= 1);
  await page.evaluate(() => {
    Object.assign(window, { __stepped: false });
    window.__rd!.client.onTrainEvent((ev) => {
      if (ev.type === 'step') Object.assign(window, { __stepped: true });
    });
  });
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction(() => (window as unknown as { __stepped: boolean }).__stepped, undefined, { timeout: 60_000 });
  const during = await page.evaluate(async () => {
    const c = window.__rd!.client;
    return c.selftest(64, 32).then(() => 'ok', (e: Error) => e.message);
  });
  expect(during).toMatch(/^busy/);
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(page.getByRole('status')).toContainText('Stopped in stage 1');

  // A new run supersedes the request in progress; the worker then serves the new run.
  const [stale, reinit, fresh] = await page.evaluate(async () => {
    const c = window.__rd!.client;
    const settle = (p: Promise<unknown>) => p.then(() => 'ok', (e: Error) => e.message);
    const old = settle(c.selftest(64, 32));
    const init = settle(c.init());
    return [await old, await init, await settle(c.selftest(64, 32))];
  });
  expect(stale).toMatch(/^superseded/);
  expect(reinit).toBe('ok');
  expect(fresh).toBe('ok');
  expect(errors).toEqual([]);
});

test('?wasmThreads=1: the worker runs wasm on one thread and the backend panel says it was asked for', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=wasm&wasmThreads=1&weights=none');
  const runtime = await waitForRuntime(page);
  expect(runtime.error).toBeUndefined();
  expect(runtime.backend).toBe('wasm');
  expect(runtime.wasmThreads).toBe(1);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(page.getByTestId('wasm-threads')).toHaveText(
    `WebAssembly threads: 1 (as asked with ?wasmThreads=1, on ${cores} logical cores; the page is cross-origin isolated).`,
  );
  await expect(page.getByTestId('wasm-conv')).toHaveText("Convolutions: the app's own WebAssembly SIMD kernels, on 1 thread.");
  const st = await runSelftestFromUi(page);
  expectHealthySelftest(st, W, H);
  expect(errors).toEqual([]);
});

test('tiny 64x32 settings in the URL: on 2 cores the worker keeps wasm on one thread and says why', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=wasm&preset=tiny&width=64&height=32&batch=1');
  const runtime = await waitForRuntime(page);
  expect(runtime.backend).toBe('wasm');
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  test.skip(cores !== 2, `the small-step rule is for 2-core machines; this one reports ${cores}`);
  expect(runtime.wasmThreads).toBe(1);
  await expect(page.getByTestId('wasm-threads')).toHaveText(
    'WebAssembly threads: 1 (one of the 2 logical cores: two are slower for steps below the default network on 384x192x2 pixels; ?wasmThreads=2 for both; the page is cross-origin isolated).',
  );
  expect(errors).toEqual([]);
});
