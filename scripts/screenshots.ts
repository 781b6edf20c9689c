/**
 * The README's screenshots, taken in headless Chromium as the browser tests run it (e2e/chromium.ts:
 * the same Chromium search and flags; WebAssembly backend, so any machine gives the same pictures):
 *
 *   npx tsx scripts/screenshots.ts [--only first,training] [--out docs] [--width 1600 --height 1000]
 *
 * - first: `screenshot-first-screen.png`, a plain visit (`/?backend=wasm`) once the shipped model's
 *   maps of the first sample scene are drawn: what a newcomer sees.
 * - training: `screenshot-mid-training.png`, a run from the shipped model on the sample scenes
 *   (`?weights=pretrained/default` with 256x128 crops and a few steps per stage, named in the address
 *   so they win over the model's own), paused in stage 1 once a preview has arrived after the
 *   pause point: the panels show that step's weights.
 *
 * It starts the Vite dev server in this process on a free port (the repo's vite.config.ts, so the page
 * gets its COOP/COEP headers), and writes 256-colour PNGs (median cut, no dithering) so each stays
 * well under 300 KB for the repository.
 */
import { chromium, type Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { resolve } from 'node:path';
import { decode, encode } from 'fast-png';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../e2e/chromium';
import { parseArgs } from '../cli/common';

const ROOT = resolve(import.meta.dirname, '..');
const LOADED = 'Loaded the model from the pretrained model "default".';
const SHOTS = ['first', 'training'] as const;
type Shot = (typeof SHOTS)[number];

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/**
 * RGBA pixels to at most 256 colours by median cut on a 5-bit-per-channel histogram: each box is
 * split at the count median of its widest channel until there are 256; each pixel gets its box's
 * mean colour. Screenshots are mostly flat UI with a few photos, so this keeps text sharp.
 */
export function quantize(rgba: Uint8Array | Uint8ClampedArray, n = 256): { indices: Uint8Array; palette: number[][] } {
  const bin = (i: number) => ((rgba[i] >> 3) << 10) | ((rgba[i + 1] >> 3) << 5) | (rgba[i + 2] >> 3);
  const hist = new Uint32Array(1 << 15);
  for (let i = 0; i < rgba.length; i += 4) hist[bin(i)]++;
  const channel = (b: number, c: number) => (b >> (10 - 5 * c)) & 31;
  let boxes: number[][] = [Array.from(hist.keys()).filter((b) => hist[b] > 0)];
  while (boxes.length < n) {
    // split the box with the most pixels whose colours still differ
    let best = -1;
    let bestCount = 0;
    for (let k = 0; k < boxes.length; k++) {
      if (boxes[k].length < 2) continue;
      const count = boxes[k].reduce((a, b) => a + hist[b], 0);
      if (count > bestCount) [best, bestCount] = [k, count];
    }
    if (best < 0) break;
    const box = boxes[best];
    const ranges = [0, 1, 2].map((c) => {
      const v = box.map((b) => channel(b, c));
      return Math.max(...v) - Math.min(...v);
    });
    const c = ranges.indexOf(Math.max(...ranges));
    box.sort((a, b) => channel(a, c) - channel(b, c));
    // both halves keep at least one colour
    let acc = 0;
    let cut = 1;
    for (; cut < box.length - 1; cut++) {
      acc += hist[box[cut - 1]];
      if (acc >= bestCount / 2) break;
    }
    boxes = [...boxes.slice(0, best), box.slice(0, cut), box.slice(cut), ...boxes.slice(best + 1)];
  }
  const indexOfBin = new Uint8Array(1 << 15);
  const palette = boxes.map((box, k) => {
    const sum = [0, 0, 0];
    let count = 0;
    for (const b of box) {
      indexOfBin[b] = k;
      for (let c = 0; c < 3; c++) sum[c] += hist[b] * (channel(b, c) * 8 + 4);
      count += hist[b];
    }
    return sum.map((s) => Math.round(s / Math.max(1, count)));
  });
  const indices = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < indices.length; i++) indices[i] = indexOfBin[bin(4 * i)];
  return { indices, palette };
}

async function savePng(page: Page, file: string): Promise<void> {
  const png = decode(await page.screenshot());
  if (png.channels < 3 || png.depth !== 8) throw new Error(`unexpected screenshot format: ${png.channels} channels, ${png.depth} bits`);
  const rgba = png.channels === 4 ? (png.data as Uint8Array) : Uint8Array.from({ length: png.width * png.height * 4 }, (_, i) => (i % 4 === 3 ? 255 : (png.data as Uint8Array)[(i >> 2) * 3 + (i % 4)]));
  const { indices, palette } = quantize(rgba);
  const out = encode({ width: png.width, height: png.height, data: indices, depth: 8, channels: 1, palette });
  await writeFile(file, out);
  console.log(`${file}: ${png.width}x${png.height}, ${Math.round(out.length / 1024)} KB`);
}

async function shippedModelShown(page: Page): Promise<void> {
  await page.getByRole('status').getByText(LOADED).waitFor({ timeout: 180_000 });
  await page.waitForFunction(() => {
    const s = window.__rd!.store.getState();
    const maps = s.buffers.previews.get(s.dataset.selectedId ?? '');
    return maps?.stereoDisp !== undefined && maps.singleDisp !== undefined && s.dataset.loading === 0;
  });
  await page.waitForTimeout(1000); // the canvases draw on the next frames
}

async function firstScreen(page: Page, base: string, file: string): Promise<void> {
  await page.goto(`${base}/?backend=wasm`);
  await shippedModelShown(page);
  await savePng(page, file);
}

async function midTraining(page: Page, base: string, file: string): Promise<void> {
  const q = 'backend=wasm&weights=pretrained/default&width=256&height=128&batch=1&stepsStereo=40&stepsDistill=20&stepsFuse=10&previewEvery=4';
  await page.goto(`${base}/?${q}`);
  await shippedModelShown(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await page.waitForFunction(() => (window.__rd!.store.getState().training.progress.stereo?.step ?? 0) >= 12, undefined, { timeout: 600_000, polling: 200 });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.waitForFunction(() => window.__rd!.store.getState().training.phase === 'paused', undefined, { timeout: 120_000 });
  // a preview of the paused weights: the preview counter moves once more after the pause
  const version = await page.evaluate(() => window.__rd!.store.getState().training.previewVersion);
  await page.waitForFunction((v) => window.__rd!.store.getState().training.previewVersion > v, version, { timeout: 60_000 }).catch(() => console.log('no preview after the pause: the frame shows the last one sent while training'));
  await page.waitForTimeout(1000);
  await savePng(page, file);
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), []);
  const only = (flags.get('only') ?? SHOTS.join(',')).split(',') as Shot[];
  for (const s of only) if (!SHOTS.includes(s)) throw new Error(`--only: "${s}" is not one of ${SHOTS.join(', ')}`);
  const outDir = resolve(ROOT, flags.get('out') ?? 'docs');
  const viewport = { width: Number(flags.get('width') ?? 1600), height: Number(flags.get('height') ?? 1000) };
  const port = await freePort();
  const server = await createServer({ root: ROOT, clearScreen: false, logLevel: 'warn', server: { host: '127.0.0.1', port, strictPort: true, hmr: false, ws: false, watch: null } });
  await server.listen();
  const base = `http://127.0.0.1:${port}`;
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    for (const shot of only) {
      // a fresh context each: no saved run from an earlier shot is offered
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await context.newPage();
      page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
      if (shot === 'first') await firstScreen(page, base, resolve(outDir, 'screenshot-first-screen.png'));
      else await midTraining(page, base, resolve(outDir, 'screenshot-mid-training.png'));
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

// run as a script, not when a test imports `quantize`
if (process.argv[1]?.endsWith('screenshots.ts')) main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
