// WebGPU present but without an adapter (`--disable-webgpu`): a forced `?backend=webgpu` must
// fail loudly and fall back, and the page must say how to get WebGPU.
import { expect, test } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './chromium';
import { collectErrors, waitForRuntime } from './helpers';

// `--enable-unsafe-webgpu` would override `--disable-webgpu`.
const args = [...CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'), '--disable-webgpu'];
test.use({ launchOptions: { executablePath: findChromium(), args } });

test('?backend=webgpu with no adapter: the page says the forced backend failed and what it runs on', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=webgpu');

  const runtime = await waitForRuntime(page);
  expect(runtime.error).toBeUndefined();
  expect(runtime.requested).toBe('webgpu');
  expect(runtime.adapter).toBeUndefined();
  expect(runtime.backend).not.toBe('webgpu');
  expect(runtime.reasons[0]).toMatch(/^Requested backend 'webgpu' failed: .*no adapter/);
  await expect(page.getByText('the requested backend WebGPU failed')).toBeVisible();
  await expect(page.getByTestId('backend-reasons')).toContainText(runtime.reasons[0]);
  await expect(page.getByTestId('webgpu-hint')).toContainText('chrome://flags/#enable-unsafe-webgpu');
  // Chrome warns "No available adapters." and tfjs warns that webgpu failed: warnings, not errors.
  expect(errors).toEqual([]);
});
