// Uploads that keep everything (issue 24): pairs of several folders whose files share names, through
// the file picker, a folder pick and a drop; the added pair confirmed, selected and scrolled into
// view; one-click GT scales; calib.txt; sizes read from the headers before any decode; the pair
// list's buttons large enough to hit. Tiny images throughout; no training.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { pngDeclaring } from '../src/testing/png';
import { solidRgbPng } from '../src/testing/images';
import { collectErrors, dropFiles, waitForRuntime } from './helpers';

const here = path.dirname(fileURLToPath(import.meta.url));
const SAMPLES = path.resolve(here, '../public/samples');
const SAMPLE_COUNT = 4;

async function open(page: Page): Promise<void> {
  await page.goto('/?backend=wasm');
  await page.waitForFunction((n) => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= n, SAMPLE_COUNT);
}

/** A 64x32 PNG of one colour (red = `red`): which scene a pair holds is read back from its left image. */
const png = (red: number) => Buffer.from(solidRgbPng(64, 32, [red, 40, 80]));

/** The user's pairs: name, left file, and the red value of the left and right images as decoded. */
function ownPairs(page: Page) {
  return page.evaluate(() => {
    const s = window.__rd!.store.getState();
    return s.dataset.pairs
      .filter((p) => !p.sample)
      .map((p) => {
        const scene = s.buffers.scenes.get(p.id)!;
        return { name: p.name, left: p.files.left, red: [Math.round(scene.leftImg.data[0] * 255), Math.round(scene.rightImg.data[0] * 255)] };
      });
  });
}

const messages = (page: Page) => page.getByRole('log', { name: 'Messages' });

test('pairs of several folders with the same file names are all kept: file picker, folder pick and drop', async ({ page }) => {
  const errors = collectErrors(page);
  await open(page);
  // The picker gives names only: a/left.png, a/right.png, b/left.png, b/right.png arrive as left.png twice, right.png twice.
  const picked = [
    { name: 'left.png', mimeType: 'image/png', buffer: png(10) },
    { name: 'right.png', mimeType: 'image/png', buffer: png(11) },
    { name: 'left.png', mimeType: 'image/png', buffer: png(20) },
    { name: 'right.png', mimeType: 'image/png', buffer: png(21) },
  ];
  await page.getByLabel('Add stereo pairs').setInputFiles(picked);
  await expect.poll(() => ownPairs(page)).toEqual([
    { name: 'group 1', left: 'group 1/left.png', red: [10, 11] },
    { name: 'group 2', left: 'group 2/left.png', red: [20, 21] },
  ]);
  await expect(messages(page)).toContainText('pairs were matched within each group: group 1: group 1/left.png + group 1/right.png; group 2: group 2/left.png + group 2/right.png');
  await expect(messages(page)).toContainText('Added 2 pairs: group 1, 64x32, no GT; group 2, 64x32, no GT.');

  // A folder pick keeps the folder names.
  const root = mkdtempSync(path.join(tmpdir(), 'rd-uploads-'));
  try {
    for (const [dir, red] of [['a', 30], ['b', 40]] as const) {
      mkdirSync(path.join(root, 'scenes', dir), { recursive: true });
      writeFileSync(path.join(root, 'scenes', dir, 'left.png'), png(red));
      writeFileSync(path.join(root, 'scenes', dir, 'right.png'), png(red + 1));
    }
    await page.getByLabel('Add a folder').setInputFiles(path.join(root, 'scenes'));
    await expect.poll(async () => (await ownPairs(page)).slice(2)).toEqual([
      { name: 'a', left: 'scenes/a/left.png', red: [30, 31] },
      { name: 'b', left: 'scenes/b/left.png', red: [40, 41] },
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }

  // A drop of loose files with the same names: kept apart the same way, with names distinct from the earlier groups.
  await dropFiles(page, [
    { name: 'left.png', type: 'image/png', bytes: png(50) },
    { name: 'right.png', type: 'image/png', bytes: png(51) },
    { name: 'left.png', type: 'image/png', bytes: png(60) },
    { name: 'right.png', type: 'image/png', bytes: png(61) },
  ]);
  await expect.poll(async () => (await ownPairs(page)).slice(4)).toEqual([
    { name: 'group 1 (2)', left: 'group 1/left.png', red: [50, 51] },
    { name: 'group 2 (2)', left: 'group 2/left.png', red: [60, 61] },
  ]);
  expect(errors).toEqual([]);
});

test.describe('on a phone-sized screen', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('an added pair is confirmed, selected and scrolled into view; its swap and remove buttons are at least 24x24 px', async ({ page }) => {
    const errors = collectErrors(page);
    await open(page);
    const list = page.getByRole('list', { name: 'Stereo pairs' });
    const tsukuba = list.getByRole('button', { name: /^tsukuba\b/ });
    await expect(tsukuba).toHaveAttribute('aria-pressed', 'true');
    await page.evaluate(() => window.scrollTo(0, 0));

    const teddy = ['left.png', 'right.png', 'disp_left.png', 'mask_nonocc.png'].map((f) => ({ name: f, mimeType: 'image/png', buffer: readFileSync(path.join(SAMPLES, 'teddy', f)) }));
    await page.getByLabel('Add stereo pairs').setInputFiles(teddy);
    const added = list.getByRole('button', { name: /^pair \d+ 450×375 · no GT · mask/ });
    await expect(added).toHaveAttribute('aria-pressed', 'true');
    await expect(tsukuba).toHaveAttribute('aria-pressed', 'false');
    await expect(added).toBeInViewport();
    await expect(messages(page)).toContainText(/Added pair \d+, 450x375, GT scale asked below\./);

    for (const name of [/^Swap the views of /, /^Remove /]) {
      const buttons = list.getByRole('button', { name });
      expect(await buttons.count()).toBe(SAMPLE_COUNT + 1);
      for (const b of await buttons.all()) {
        const box = (await b.boundingBox())!;
        expect(box.width, `${await b.getAttribute('aria-label')} width`).toBeGreaterThanOrEqual(24);
        expect(box.height, `${await b.getAttribute('aria-label')} height`).toBeGreaterThanOrEqual(24);
      }
    }
    expect(errors).toEqual([]);
  });
});

test('the GT-scale question offers the common scales as one-click answers', async ({ page }) => {
  const errors = collectErrors(page);
  await open(page);
  const files = ['left.png', 'right.png', 'disp_left.pgm'].map((f) => ({ name: f, mimeType: '', buffer: readFileSync(path.join(SAMPLES, 'tsukuba', f)) }));
  await page.getByLabel('Add stereo pairs').setInputFiles(files);
  const question = page.getByRole('group', { name: 'Ground truth scale' });
  const choices = question.getByRole('list', { name: 'Common GT scales for disp_left.pgm' }).getByRole('button');
  await expect(choices).toHaveText([/^1 /, /^2 /, /^3 Middlebury 2005 \/ 2006 third size/, /^4 Middlebury 2003 quarter size/, /^8 /, /^16 Middlebury 2001 tsukuba/, /^256 KITTI/]);
  await question.getByRole('button', { name: /^Scale 16: / }).click();
  await expect(question).toHaveCount(0);
  const gtMax = await page.evaluate(() => {
    const s = window.__rd!.store.getState();
    const pair = s.dataset.pairs.find((p) => !p.sample)!;
    return pair.hasGt ? s.buffers.scenes.get(pair.id)!.gtDisp!.data.reduce((a, b) => Math.max(a, b)) : null;
  });
  expect(gtMax).toBe(14); // tsukuba's largest disparity (SOURCES.md): the stored 224 / 16
  expect(errors).toEqual([]);
});

test('a calib.txt beside the pair is read (scaled to the images); a bad one gets a message and the pair is still added', async ({ page }) => {
  const errors = collectErrors(page);
  await open(page);
  const calib = 'cam0=[3979.911 0 1244.772; 0 3979.911 1019.507; 0 0 1]\ncam1=[3979.911 0 1369.115; 0 3979.911 1019.507; 0 0 1]\ndoffs=124.343\nbaseline=193.001\nwidth=256\nheight=128\nndisp=270\n';
  const root = mkdtempSync(path.join(tmpdir(), 'rd-calib-'));
  try {
    for (const [dir, text] of [['good', calib], ['bad', calib.replace(/cam0=.*\n/, '')]] as const) {
      mkdirSync(path.join(root, 'set', dir), { recursive: true });
      writeFileSync(path.join(root, 'set', dir, 'im0.png'), png(10));
      writeFileSync(path.join(root, 'set', dir, 'im1.png'), png(11));
      writeFileSync(path.join(root, 'set', dir, 'calib.txt'), text);
    }
    await page.getByLabel('Add a folder').setInputFiles(path.join(root, 'set'));
    const list = page.getByRole('list', { name: 'Stereo pairs' });
    await expect(list.getByRole('button', { name: /^good 64×32 · no GT · calib · ndisp 68$/ })).toBeVisible();
    await expect(list.getByRole('button', { name: /^bad 64×32 · no GT$/ })).toBeVisible();
  } finally {
    rmSync(root, { recursive: true, force: true }); // after the page has read the files
  }
  const metas = await page.evaluate(() => window.__rd!.store.getState().dataset.pairs.filter((p) => !p.sample).map((p) => [p.name, p.calib ?? null]));
  // 256x128 in calib.txt, 64x32 images: focal length and doffs a quarter, the baseline in metres
  expect(metas).toEqual([
    ['bad', null],
    ['good', { focalPx: 3979.911 / 4, baselineM: 0.193001, doffs: 124.343 / 4, source: 'set/good/calib.txt' }],
  ]);
  await expect(messages(page)).toContainText('Pair "bad" added without calibration: set/bad/calib.txt: no cam0= line.');
  expect(errors).toEqual([]);
});

test('image sizes come from the headers: 30000x30000 is refused at once; 3000x2000 is offered undecoded, and its failed decode says so', async ({ page }) => {
  const errors = collectErrors(page);
  await open(page);
  // Tiny files (a few hundred bytes, valid CRCs) whose IHDR claims a size their data does not hold.
  const huge = Buffer.from(pngDeclaring(30000, 30000));
  expect(huge.length).toBeLessThan(200);
  await page.getByLabel('Add stereo pairs').setInputFiles([
    { name: 'huge_left.png', mimeType: 'image/png', buffer: huge },
    { name: 'huge_right.png', mimeType: 'image/png', buffer: huge },
  ]);
  await expect(messages(page)).toContainText(
    'Pair "huge" not added: huge_left.png: 30000x30000 (900.0 megapixels) is over the 50.0 megapixels this page can decode. Downscale it by 15 or more with an image editor (to 2000x2000) and add it again',
  );
  await expect(page.getByRole('group', { name: 'Large images' })).toHaveCount(0);

  const claims = Buffer.from(pngDeclaring(3000, 2000));
  await page.getByLabel('Add stereo pairs').setInputFiles([
    { name: 'big_left.png', mimeType: 'image/png', buffer: claims },
    { name: 'big_right.png', mimeType: 'image/png', buffer: claims },
  ]);
  const offer = page.getByRole('group', { name: 'Large images' });
  await expect(offer).toContainText('Pair big is 3000×2000 (6.0 megapixels, over 4): training and previews would be slow. Nothing is decoded until you choose.');
  await offer.getByRole('button', { name: /^Downscale ×2 \(1500×1000\)/ }).click();
  await expect(offer).toHaveCount(0);
  await expect(messages(page)).toContainText(/Pair "big" not added: big_left\.png: (truncated or corrupt PNG|could not be decoded).*\. (Re-export the file|The browser ran out of memory)/);
  expect(await page.evaluate(() => window.__rd!.store.getState().dataset.pairs.length)).toBe(SAMPLE_COUNT);
  expect(errors).toEqual([]);
});

test('a pair added during a run is selected and previewed, and the note says it joins the training', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('/?backend=wasm&preset=tiny&width=64&height=32&batch=1&stepsStereo=100000&previewEvery=5');
  await waitForRuntime(page);
  await page.waitForFunction((n) => (window.__rd?.store.getState().dataset.pairs.length ?? 0) >= n, SAMPLE_COUNT);
  const status = page.getByRole('status');
  const step = async () => Number(/step (\d+) \//.exec((await status.textContent()) ?? '')?.[1] ?? -1);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(step).toBeGreaterThan(1);

  await page.getByLabel('Add stereo pairs').setInputFiles(['left.png', 'right.png'].map((f) => path.join(SAMPLES, 'venus', f)));
  const added = page.getByRole('list', { name: 'Stereo pairs' }).getByRole('button', { name: /^pair \d+ 434×383 · no GT/ });
  await expect(added).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByText('Note: the new pairs join the training from the next step')).toBeVisible();
  // the worker previews the new pair (its maps arrive with the steps that follow)
  await page.waitForFunction(() => {
    const s = window.__rd!.store.getState();
    return s.buffers.previews.get(s.dataset.selectedId ?? '')?.stereoDisp?.length === 434 * 383;
  });
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect(status).toHaveText('Reset: the networks start from new weights on the next Train.');
  expect(errors).toEqual([]);
});
