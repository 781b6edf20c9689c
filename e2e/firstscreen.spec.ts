// The first screen in a real Chromium (wasm): a plain visit shows the sample scenes' depth from
// the shipped model (public/pretrained/default) and says so; the address keeps `weights=` so a
// reload brings the model back; settings named next to `weights=` win over the model's and the
// page says which; `?weights=none` opens untrained; a shared link's model wins over a run saved
// in this browser, whose offer moves below it; and on a phone (390x844) the maps come right after
// the Train / Load buttons and the pair list, with the diagnostics below them and main buttons
// 44 px high.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { collectErrors, waitForRuntime, waitForSelectedMaps } from './helpers';

const LOADED = 'Loaded the model from the pretrained model "default".';

/** Records the requests for the shipped model's model.json. */
function shippedRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/pretrained/default/model.json')) seen.push(r.url());
  });
  return seen;
}

async function samplesIn(page: Page): Promise<void> {
  await waitForRuntime(page);
  await page.waitForFunction(() => {
    const d = window.__rd?.store.getState().dataset;
    return d !== undefined && d.pairs.length >= 4 && d.loading === 0;
  });
}

async function box(l: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const b = await l.boundingBox();
  expect(b, `${l} has a box`).not.toBeNull();
  return b!;
}

test.describe('desktop (1600x1000)', () => {
  test.use({ viewport: { width: 1600, height: 1000 } });

  test("a plain visit shows the shipped model's depth at once, says what it is, and a reload brings it back", async ({ page }) => {
    test.setTimeout(240_000);
    const errors = collectErrors(page);
    const asked = shippedRequests(page);
    await page.goto('/?backend=wasm');
    await expect(page.getByRole('status')).toHaveText(LOADED, { timeout: 120_000 });
    await waitForSelectedMaps(page, true);
    // the wasm threads were planned for the shipped model's 384x192x2 step, which it adapts with (src/train/wasmThreads.ts)
    if ((await page.evaluate(() => navigator.hardwareConcurrency)) === 2) {
      expect(await page.evaluate(() => window.__rd!.store.getState().runtime.wasmThreads)).toBe(2);
      await expect(page.getByTestId('wasm-threads')).toContainText('WebAssembly threads: 2 (both logical cores, for the default network on crops of 384x192x2 pixels or more');
    }
    await expect(page.getByTestId('intro')).toHaveText(/^The maps below are the sample scenes' depth from the shipped model/);
    await expect(page.getByTestId('intro')).toContainText('Train');
    await expect(page.locator('header')).not.toContainText('press Train');
    // its settings replaced the page's defaults, and the page says which
    await expect(page.getByTestId('model-settings')).toContainText("The model's settings replaced the page's: Crop width 256 → 384, Crop height 128 → 192");
    // the address names the model and its settings, so a reload (or a copy of it) opens the same
    await expect(page).toHaveURL(/[?&]weights=pretrained%2Fdefault(&|$)/);
    await expect(page).toHaveURL(/[?&]width=384(&|$)/);
    expect(asked).toHaveLength(1);

    await page.reload();
    await expect(page.getByRole('status')).toHaveText(LOADED, { timeout: 120_000 });
    await waitForSelectedMaps(page);
    expect(asked).toHaveLength(2);
    // the address held the model's own settings: nothing to replace this time
    await expect(page.getByTestId('model-info')).toBeVisible();
    await expect(page.getByTestId('model-settings')).toHaveCount(0);
    expect(errors).toEqual([]);
  });

  test('?weights=pretrained/default&stepsStereo=60: the address keeps its steps, the rest come from the model, and the page says so', async ({ page }) => {
    test.setTimeout(180_000);
    const errors = collectErrors(page);
    await page.goto('/?backend=wasm&weights=pretrained/default&stepsStereo=60');
    await expect(page.getByRole('status')).toHaveText(LOADED, { timeout: 120_000 });
    const values = await page.evaluate(() => window.__rd!.store.getState().settings.values);
    expect(values).toMatchObject({ stepsStereo: 60, width: 384, height: 192 });
    const note = page.getByTestId('model-settings');
    await expect(note).toContainText("The model's settings replaced the page's: Crop width 256 → 384");
    await expect(note).toContainText("Kept from the page address: Stage 1 steps 60 (the model's: 3000).");
    await expect(page).toHaveURL(/[?&]stepsStereo=60(&|$)/);
    await expect(page).toHaveURL(/[?&]weights=pretrained%2Fdefault(&|$)/);
    expect(errors).toEqual([]);
  });

  test('?weights=none opens with new weights and says how to get depth; Load pretrained then puts weights= in the address', async ({ page }) => {
    test.setTimeout(180_000);
    const errors = collectErrors(page);
    const asked = shippedRequests(page);
    await page.goto('/?backend=wasm&weights=none');
    await samplesIn(page);
    await page.waitForFunction(() => window.__rd!.store.getState().model.loading === undefined);
    await expect(page.getByTestId('model-error')).toHaveCount(0); // "none" is not an address to fetch
    expect(await page.evaluate(() => window.__rd!.store.getState().training.hasWeights)).toBe(false);
    expect(asked).toEqual([]);
    await expect(page.getByTestId('intro')).toHaveText(/Load pretrained \(under Model\) shows their depth at once/);

    await page.getByRole('button', { name: 'Load pretrained' }).click();
    await expect(page.getByRole('status')).toHaveText(LOADED, { timeout: 120_000 });
    await expect(page).toHaveURL(/[?&]weights=pretrained%2Fdefault(&|$)/);
    await expect(page.getByTestId('model-settings')).toContainText("The model's settings replaced the page's: Crop width 256 → 384");
    expect(errors).toEqual([]);
  });

  test("a shared link's model wins over a run saved in this browser; the offer stays, below the model", async ({ page }) => {
    test.setTimeout(240_000);
    const errors = collectErrors(page);
    // a saved run: a tiny run of 2 steps, autosaved at its end
    await page.goto('/?backend=wasm&weights=none&preset=tiny&width=64&height=32&batch=1&stepsStereo=2&stepsDistill=0&stepsFuse=0&previewEvery=1000');
    await samplesIn(page);
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await page.waitForFunction(() => {
      const s = window.__rd!.store.getState();
      return s.training.phase === 'idle' && s.autosave.lastSavedAt !== undefined;
    }, undefined, { timeout: 120_000 });

    // a plain visit: the saved run is offered at the top and nothing is loaded over it
    const asked = shippedRequests(page);
    await page.goto('/?backend=wasm');
    await samplesIn(page);
    const header = page.locator('header');
    await expect(header.getByRole('region', { name: 'Saved run' })).toBeVisible();
    expect(await page.evaluate(() => window.__rd!.store.getState().training.hasWeights)).toBe(false);
    expect(asked).toEqual([]);

    // a link naming a model: that model is shown; the offer is under it, in the Model panel
    await page.goto('/?backend=wasm&weights=pretrained/default');
    await expect(page.getByRole('status')).toHaveText(LOADED, { timeout: 120_000 });
    const offer = page.getByRole('region', { name: 'Saved run' });
    await expect(offer).toBeVisible();
    await expect(header.getByRole('region', { name: 'Saved run' })).toHaveCount(0);
    await expect(offer).toContainText("Resuming it replaces the link's model shown above");
    await expect(offer.getByRole('button', { name: 'Resume saved run' })).toBeEnabled();
    expect((await box(offer)).y).toBeGreaterThan((await box(page.getByTestId('model-info'))).y);
    expect(errors).toEqual([]);
  });
});

test.describe('phone (390x844)', () => {
  test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

  test('the maps come right after the Train / Load buttons and the pair list; diagnostics below; main buttons 44 px high', async ({ page }) => {
    test.setTimeout(180_000);
    const errors = collectErrors(page);
    await page.goto('/?backend=wasm');
    await samplesIn(page);
    const train = page.getByRole('button', { name: 'Train', exact: true });
    const load = page.getByRole('button', { name: 'Load pretrained' });
    const mapsSection = page.getByRole('region', { name: /^Maps/ });
    /** The maps' heading comes after the Train / Load buttons and the pair list, and the maps section before each of `after`. */
    const expectOrder = async (after: string[]) => {
      const maps = await box(page.locator('#maps-heading'));
      const pairs = await box(page.getByRole('list', { name: 'Stereo pairs' }));
      const [trainBox, loadBox] = [await box(train), await box(load)];
      console.log(`phone: Train at y ${Math.round(trainBox.y)}, Load pretrained ${Math.round(loadBox.y)}, pair list ends ${Math.round(pairs.y + pairs.height)}, maps heading ${Math.round(maps.y)}`);
      expect(trainBox.y + trainBox.height).toBeLessThanOrEqual(maps.y);
      expect(loadBox.y + loadBox.height).toBeLessThanOrEqual(maps.y);
      expect(pairs.y + pairs.height).toBeLessThanOrEqual(maps.y);
      const section = await box(mapsSection);
      for (const heading of after) expect((await box(page.locator(heading))).y, heading).toBeGreaterThan(section.y + section.height - 1);
    };
    // the settings and the diagnostics below the maps, from the start
    await expectOrder(['#settings-heading', '#backend-heading', '#selftest-heading']);
    // main buttons a finger can hit
    const mains = [train, load, page.getByRole('button', { name: 'Reset', exact: true }), page.getByText('Import model', { exact: true }), page.getByText('Add stereo pairs', { exact: true })];
    for (const b of mains) expect((await box(b)).height, String(b)).toBeGreaterThanOrEqual(44);
    // with the shipped model in, Adapt's box appears: below the maps too
    await expect(page.getByRole('status')).toHaveText(LOADED, { timeout: 120_000 });
    await expectOrder(['#adapt-heading', '#settings-heading', '#backend-heading', '#selftest-heading']);
    expect(errors).toEqual([]);
  });
});
