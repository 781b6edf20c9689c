// Honest comparison, in a real Chromium (wasm backend; the shipped model gives maps without
// training): one colour range for every disparity panel (the GT's), shown on the colour bars; the
// compare divider dragged on the image by mouse and by finger; tap-and-hold read-out on a touch
// screen; loss charts tall enough for six decades, with labels apart and terms to toggle; the 3D
// relief's orbit reset by double-click.
import { expect, test, type CDPSession, type Locator, type Page } from '@playwright/test';
import { collectErrors, waitForRuntime, waitForSelectedMaps } from './helpers';

const DISPARITY_PANELS = ['StereoNet disparity', 'SingleNet disparity', 'Fused disparity', 'Ground truth'] as const;

async function waitForSamples(page: Page): Promise<void> {
  await page.waitForFunction(() => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= 4);
}

/** The [lo, hi] numbers a panel's colour bar shows. */
async function barRange(page: Page, panel: string): Promise<[number, number]> {
  const bar = page.getByRole('figure', { name: panel, exact: true }).locator('.colorbar');
  const lo = Number(await bar.locator('.colorbar-lo').textContent());
  const hi = Number((await bar.locator('.colorbar-hi').textContent())?.replace(' px', ''));
  return [lo, hi];
}

/**
 * 1st and 99th percentiles (numpy's linear rule) of each disparity map of the selected pair, in
 * the pair's px, computed here by sorting: an implementation of its own, not the app's quickselect.
 */
function mapPercentiles(page: Page): Promise<Record<string, [number, number]>> {
  return page.evaluate(() => {
    const s = window.__rd!.store.getState();
    const id = s.dataset.selectedId!;
    const scene = s.buffers.scenes.get(id)!;
    const p = s.buffers.previews.get(id)!;
    const pct = (data: Float32Array, scale: number, gt: boolean): [number, number] => {
      const v = Array.from(data).filter((x) => Number.isFinite(x) && (!gt || x > 0)).sort((a, b) => a - b);
      const at = (q: number) => {
        const pos = (q / 100) * (v.length - 1);
        const k = Math.floor(pos);
        return (k + 1 < v.length ? v[k] + (pos - k) * (v[k + 1] - v[k]) : v[k]) * scale;
      };
      return [at(1), at(99)];
    };
    const k = scene.width / p.width;
    return {
      'StereoNet disparity': pct(p.stereoDisp!, k, false),
      'SingleNet disparity': pct(p.singleDisp!, k, false),
      'Fused disparity': pct(p.fusedDisp!, k, false),
      'Ground truth': pct(scene.gtDisp!.data, 1, true),
    };
  });
}

/** The bar shows one decimal below 100 px: equal within half of its last digit. */
function expectBar(got: [number, number], want: [number, number], what: string): void {
  expect(Math.abs(got[0] - want[0]), `${what}: low end ${got[0]} vs ${want[0].toFixed(3)}`).toBeLessThanOrEqual(0.05 + 1e-9);
  expect(Math.abs(got[1] - want[1]), `${what}: high end ${got[1]} vs ${want[1].toFixed(3)}`).toBeLessThanOrEqual(0.05 + 1e-9);
}

test('same range for all disparity panels, on by default: every colour bar shows the GT range; off, each its own', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=wasm&weights=pretrained/default');
  await waitForRuntime(page);
  await waitForSamples(page);
  await waitForSelectedMaps(page, true);
  await page.waitForFunction(() => window.__rd!.store.getState().buffers.previews.get(window.__rd!.store.getState().dataset.selectedId!)?.fusedDisp !== undefined);
  const want = await mapPercentiles(page);
  // The maps do not span the GT's range (else this test could not tell a shared range from own ones).
  expect(Math.abs(want['StereoNet disparity'][1] - want['Ground truth'][1]) + Math.abs(want['StereoNet disparity'][0] - want['Ground truth'][0])).toBeGreaterThan(0.2);

  const same = page.getByRole('checkbox', { name: 'Same range for all disparity panels' });
  await expect(same).toBeChecked();
  for (const panel of DISPARITY_PANELS) {
    await expect.poll(() => barRange(page, panel).then((r) => r.every(Number.isFinite) && r[1] > 0)).toBe(true);
    expectBar(await barRange(page, panel), want['Ground truth'], `${panel} with the shared range`);
    await expect(page.getByRole('figure', { name: panel, exact: true }).locator('.colorbar')).toHaveAttribute('data-range-source', 'gt');
  }

  await same.uncheck();
  for (const panel of DISPARITY_PANELS) {
    await expect(page.getByRole('figure', { name: panel, exact: true }).locator('.colorbar')).toHaveAttribute('data-range-source', 'own');
    expectBar(await barRange(page, panel), want[panel], `${panel} with its own range`);
  }
  expect(errors).toEqual([]);
});

/** The compare canvas, scrolled into view, and its box on the page. */
async function compareCanvas(page: Page): Promise<{ canvas: Locator; box: { x: number; y: number; width: number; height: number } }> {
  const canvas = page.getByRole('figure', { name: 'Compare', exact: true }).locator('canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  return { canvas, box };
}

const split = (page: Page) => page.evaluate(() => window.__rd!.store.getState().view.split);

test('the compare divider drags on the image with the mouse; a drag away from it does not move it', async ({ page }) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/?backend=wasm&weights=none'); // weights=none: no model loads and shifts the page meanwhile
  await waitForSamples(page);
  const { box } = await compareCanvas(page);
  const y = box.y + box.height * 0.7;
  expect(await split(page)).toBe(0.5);
  // Away from the divider: a pan (nothing to pan at 1x), the divider stays.
  await page.mouse.move(box.x + box.width * 0.85, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.95, y, { steps: 4 });
  await page.mouse.up();
  expect(await split(page)).toBe(0.5);
  // On it: it follows the pointer.
  await page.mouse.move(box.x + box.width * 0.5 + 3, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.25, y, { steps: 6 });
  await page.mouse.up();
  expect(await split(page)).toBeCloseTo(0.25, 2);
  await expect(page.getByRole('slider', { name: 'Compare split' })).toHaveValue('0.25');
  expect(errors).toEqual([]);
});

/** Real touches through the browser's input pipeline (touch events, then pointer events with pointerType touch). */
async function touch(cdp: CDPSession, type: 'touchStart' | 'touchMove' | 'touchEnd', x = 0, y = 0): Promise<void> {
  await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
}

test.describe('touch screen', () => {
  test.use({ hasTouch: true, viewport: { width: 390, height: 844 } });

  test('a finger drags the compare divider', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto('/?backend=wasm&weights=none'); // weights=none: no model loads and shifts the page meanwhile
    await waitForSamples(page);
    const { box } = await compareCanvas(page);
    const cdp = await page.context().newCDPSession(page);
    const y = box.y + box.height * 0.3;
    await touch(cdp, 'touchStart', box.x + box.width * 0.5 + 8, y); // a finger lands less exactly than a cursor
    for (const f of [0.6, 0.7, 0.8]) await touch(cdp, 'touchMove', box.x + box.width * f, y);
    await touch(cdp, 'touchEnd');
    expect(await split(page)).toBeCloseTo(0.8, 2);
    expect(errors).toEqual([]);
  });

  test('tap-and-hold on a map shows the read-out there, a held finger slides it without scrolling, and it stays after lifting', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto('/?backend=wasm&weights=none'); // weights=none: no model loads and shifts the page meanwhile
    await waitForSamples(page);
    await waitForRuntime(page);
    const canvas = page.getByRole('figure', { name: 'Left image', exact: true }).locator('canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    const readout = page.getByTestId('hover-readout');
    await expect(readout).toHaveText(/^Hover over a map/);
    const hover = () => page.evaluate(() => window.__rd!.store.getState().view.hover);
    // Where the map is on screen (not window.scrollY: scroll anchoring moves that when content above it changes).
    const top = () => canvas.evaluate((c) => c.getBoundingClientRect().top);
    const top0 = await top();

    const cdp = await page.context().newCDPSession(page);
    const [x, y] = [box.x + box.width * 0.3, box.y + box.height * 0.4];
    await touch(cdp, 'touchStart', x, y);
    // Held, not moved, not lifted: the read-out at the finger, with the pair's pixel coordinates.
    await expect(readout).toHaveText(/^x \d+, y \d+: .*GT \d+\.\d\d px.* · left RGB \d+, \d+, \d+/, { timeout: 5000 });
    const held = (await hover())!;
    // The read-out appearing does not move the map under the finger.
    expect(Math.abs((await top()) - top0)).toBeLessThan(2);
    expect(held.u).toBeCloseTo(0.3, 2);
    expect(held.v).toBeCloseTo(0.4, 2);
    const { w, h } = await page.evaluate(() => {
      const s = window.__rd!.store.getState();
      const p = s.dataset.pairs.find((q) => q.id === s.dataset.selectedId)!;
      return { w: p.width, h: p.height };
    });
    await expect(readout).toContainText(`x ${Math.floor(held.u * w)}, y ${Math.floor(held.v * h)}:`);

    // The held finger slides down: the read-out follows and the page does not scroll.
    for (let k = 1; k <= 4; k++) await touch(cdp, 'touchMove', x, y + k * box.height * 0.08);
    await expect.poll(async () => (await hover())?.v ?? 0).toBeGreaterThan(0.6);
    expect(Math.abs((await top()) - top0)).toBeLessThan(2);

    await touch(cdp, 'touchEnd');
    await page.waitForTimeout(300);
    expect(await hover()).toBeDefined(); // no hover to follow on a touch screen: the last reading stays
    await expect(readout).toHaveText(/^x \d+, y \d+: /);
    expect(errors).toEqual([]);
  });

  test('a quick vertical swipe on a map scrolls the page past it (a phone shows the maps one under another)', async ({ page }) => {
    const errors = collectErrors(page);
    await page.goto('/?backend=wasm&weights=none'); // weights=none: no model loads and shifts the page meanwhile
    await waitForSamples(page);
    await waitForRuntime(page);
    const canvas = page.getByRole('figure', { name: 'Right image', exact: true }).locator('canvas');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    // Where the map is on screen (not window.scrollY: scroll anchoring moves that when content above it changes).
    const top = () => canvas.evaluate((c) => c.getBoundingClientRect().top);
    const top0 = await top();
    const cdp = await page.context().newCDPSession(page);
    const x = box.x + box.width / 2;
    await touch(cdp, 'touchStart', x, box.y + box.height * 0.9);
    for (let k = 1; k <= 6; k++) await touch(cdp, 'touchMove', x, box.y + box.height * (0.9 - 0.12 * k));
    await touch(cdp, 'touchEnd');
    await expect.poll(top).toBeLessThan(top0 - 30); // the page moved up under the finger
    expect(errors).toEqual([]);
  });
});

test('loss charts: six decades get room, y labels stay apart, and each term can be hidden and shown', async ({ page }) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/?backend=wasm&weights=none'); // weights=none: no model loads and shifts the page meanwhile
  await waitForSamples(page);
  // A stage-1 history that falls six decades, as a long run's does (fed to the buffers the worker reports into).
  await page.evaluate(() => {
    const b = window.__rd!.store.getState().buffers;
    for (let i = 1; i <= 300; i++) {
      const t = 10 * Math.pow(1e-6, i / 300);
      b.pushStep({ stage: 'stereo', step: i, steps: 300, losses: { total: 1.3 * t, photo: t, smooth: 0.01 * t + 1e-5 }, stepsPerSec: 1, etaSec: 1, memory: { numTensors: 0, numBytes: 0 } });
    }
  });
  const chart = page.getByRole('img', { name: /^Loss curves of stage StereoNet/ });
  await expect(chart.locator('canvas')).toBeVisible();
  const plotHeight = await chart.locator('.u-over').evaluate((e) => e.getBoundingClientRect().height);
  expect(plotHeight, 'plot area height (px) for six decades').toBeGreaterThanOrEqual(6 * 25);

  // The y labels the axis draws, and where: each at least a text line (20 px) from the next.
  await expect(chart).toHaveAttribute('data-y-labels', /@/);
  const labels = ((await chart.getAttribute('data-y-labels')) ?? '').split(';').map((s) => ({ text: s.split('@')[0], y: Number(s.split('@')[1]) }));
  expect(labels.length, labels.map((l) => l.text).join(' ')).toBeGreaterThanOrEqual(5);
  const ys = labels.map((l) => l.y).sort((a, b) => a - b);
  for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1], `gap between y labels ${i - 1} and ${i}`).toBeGreaterThanOrEqual(20);

  // Legend buttons: hiding "total" removes its colour from the plot; showing it brings it back.
  const legend = page.getByRole('group', { name: /^Loss terms of stage StereoNet/ });
  const total = legend.getByRole('button', { name: 'total' });
  for (const name of ['total', 'photo', 'smooth']) await expect(legend.getByRole('button', { name })).toHaveAttribute('aria-pressed', 'true');
  const totalPixels = () =>
    chart.locator('canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 0x1f) < 8 && Math.abs(d[i + 1] - 0x77) < 8 && Math.abs(d[i + 2] - 0xb4) < 8) n++;
      return n;
    });
  expect(await totalPixels()).toBeGreaterThan(100);
  await total.click();
  await expect(total).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(totalPixels).toBe(0);
  await total.click();
  await expect(total).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(totalPixels).toBeGreaterThan(100);
  expect(errors).toEqual([]);
});

test('3D relief: dragging orbits it, double-click (or Reset view) brings back the first view', async ({ page }) => {
  const errors = collectErrors(page);
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/?backend=wasm&weights=none'); // weights=none: no model loads and shifts the page meanwhile
  await waitForSamples(page);
  await page.getByText('3D relief', { exact: true }).click();
  await page.getByRole('combobox', { name: 'Relief map' }).selectOption('gt');
  const relief = page.getByRole('figure', { name: '3D relief' }).locator('canvas');
  await relief.scrollIntoViewIfNeeded();
  await expect(relief).toBeVisible();
  /** A digest of the relief's pixels (FNV-1a over a copy of the WebGL canvas). */
  const pixels = () =>
    relief.evaluate((c: HTMLCanvasElement) => {
      const copy = document.createElement('canvas');
      [copy.width, copy.height] = [c.width, c.height];
      const ctx = copy.getContext('2d')!;
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let h = 0x811c9dc5;
      const grey = new Set<number>();
      for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i], 0x01000193) >>> 0;
      for (let i = 0; i < d.length; i += 4 * 97) grey.add(d[i]);
      return { hash: h, shades: grey.size };
    });
  await expect.poll(async () => (await pixels()).shades).toBeGreaterThan(5); // the relief is drawn
  await page.waitForTimeout(300);
  const first = await pixels();
  const box = (await relief.boundingBox())!;
  const orbit = async () => {
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.75, box.y + box.height * 0.35, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => (await pixels()).hash).not.toBe(first.hash);
  };
  await orbit();
  await page.mouse.dblclick(box.x + box.width * 0.5, box.y + box.height * 0.5);
  await expect.poll(async () => (await pixels()).hash).toBe(first.hash);
  await orbit();
  await page.getByRole('button', { name: 'Reset view' }).click();
  await expect.poll(async () => (await pixels()).hash).toBe(first.hash);
  expect(errors).toEqual([]);
});
