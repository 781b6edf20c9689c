// Shared helpers for the browser tests. The page exposes `window.__rd = { client, store }`
// (see src/main.tsx); tests read the store's slices and drive the worker through it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import type { RuntimeSlice, SelftestSlice } from '../src/state/store';

/**
 * Collects console errors (from the page and from its workers: Playwright reports worker
 * console calls on the page too) and uncaught exceptions. Assert the list is empty at the end.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.worker() ? 'worker' : 'page';
    const url = msg.location().url;
    errors.push(`console.error (${where}${url ? `, ${url}` : ''}): ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('crash', () => errors.push('page crashed'));
  return errors;
}

/** Waits until the worker reported ready (or an error) and returns the runtime slice. */
export async function waitForRuntime(page: Page): Promise<RuntimeSlice> {
  await page.waitForFunction(() => {
    const r = window.__rd?.store.getState().runtime;
    return r !== undefined && (r.ready || r.error !== undefined);
  });
  return page.evaluate(() => window.__rd!.store.getState().runtime);
}

/** Clicks "Run self-test" and returns the self-test slice once it has a result or an error. */
export async function runSelftestFromUi(page: Page): Promise<SelftestSlice> {
  await page.getByRole('button', { name: /Run self-test/ }).click();
  await page.waitForFunction(() => {
    const s = window.__rd?.store.getState().selftest;
    return s !== undefined && !s.running && (s.result !== undefined || s.error !== undefined);
  });
  return page.evaluate(() => window.__rd!.store.getState().selftest);
}

/** Every output finite; index 0 of each network `[1, height, width, 1]`; no tensor leaked. */
export function expectHealthySelftest(st: SelftestSlice, width: number, height: number): void {
  expect(st.error).toBeUndefined();
  const r = st.result!;
  expect(r.problems).toEqual([]);
  expect(r.ok).toBe(true);
  expect(r.width).toBe(width);
  expect(r.height).toBe(height);
  for (const net of ['stereo', 'single']) {
    const outs = r.outputs.filter((o) => o.name.startsWith(`${net}.`));
    expect(outs.length, `${net} outputs`).toBeGreaterThan(0);
    expect(outs[0].shape).toEqual([1, height, width, 1]);
    for (const o of outs) {
      expect(o.finite, `${o.name} finite`).toBe(true);
      expect(o.shape[0]).toBe(1);
      expect(o.shape[3]).toBe(1);
    }
  }
  expect(r.params.stereo).toBeGreaterThan(0);
  expect(r.params.single).toBeGreaterThan(0);
  expect(r.numTensorsAfter).toBe(r.numTensorsBefore);
}

/** A file to drop on the page: its name and its bytes. */
export interface DropFile {
  name: string;
  bytes: Buffer;
  type?: string;
}

/**
 * Drops files on the page as a user would: a synthetic DataTransfer holding real File objects,
 * dispatched as dragenter, dragover and drop on the body (the page takes drops anywhere).
 */
export async function dropFiles(page: Page, files: DropFile[]): Promise<void> {
  const payload = files.map((f) => ({ name: f.name, type: f.type ?? '', base64: f.bytes.toString('base64') }));
  const dt = await page.evaluateHandle((list) => {
    const transfer = new DataTransfer();
    for (const f of list) {
      const bin = atob(f.base64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      transfer.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return transfer;
  }, payload);
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('body', type, { dataTransfer: dt });
  await dt.dispose();
}

/** A digest of one map: an FNV-1a hash of its float bits, its length and sum. */
export interface MapDigest {
  hash: number;
  n: number;
  sum: number;
}

/**
 * Digests of the selected pair's maps (equal digests: equal maps, bit for bit), or null while
 * it has none. `stride` > 0 also returns every stride-th value of each map, for comparing maps
 * that should be close but not equal. `fromGlobal` digests maps kept in `window[fromGlobal]`.
 */
export async function selectedMaps(page: Page, stride = 0, fromGlobal?: string): Promise<Record<string, MapDigest & { sample?: number[] }> | null> {
  return page.evaluate(([k, global]) => {
    const s = window.__rd!.store.getState();
    type Maps = ReturnType<typeof s.buffers.previews.get>;
    // `fromGlobal`: maps a test kept in a window property instead of the selected pair's.
    const maps = global !== undefined ? ((window as unknown as Record<string, Maps>)[global] ?? undefined) : s.buffers.previews.get(s.dataset.selectedId ?? '');
    if (!maps) return null;
    const out: Record<string, { hash: number; n: number; sum: number; sample?: number[] }> = {};
    for (const key of ['stereoDisp', 'singleDisp', 'occlusion', 'fusedDisp'] as const) {
      const m = maps[key];
      if (!m) continue;
      const bits = new Uint32Array(m.buffer, m.byteOffset, m.length);
      let h = 0x811c9dc5;
      for (const b of bits) h = Math.imul(h ^ b, 0x01000193) >>> 0;
      out[key] = { hash: h, n: m.length, sum: m.reduce((a, v) => a + v, 0), ...(k > 0 ? { sample: Array.from(m.filter((_, i) => i % k === 0)) } : {}) };
    }
    return out;
  }, [stride, fromGlobal] as const);
}

/** Waits until the selected pair has maps from a network (after a load, a run or a predict). */
export async function waitForSelectedMaps(page: Page, withSingle = false): Promise<void> {
  await page.waitForFunction((single) => {
    const s = window.__rd!.store.getState();
    const maps = s.buffers.previews.get(s.dataset.selectedId ?? '');
    return maps?.stereoDisp !== undefined && (!single || maps.singleDisp !== undefined);
  }, withSingle);
}

/**
 * Digests of the selected pair's maps predicted now at full size from the worker's current
 * weights (a training preview may be of older weights, or marked reduced). Retries while the worker
 * is busy with another request (an autosave right after a run).
 */
export async function freshMaps(page: Page, stride = 0): Promise<NonNullable<Awaited<ReturnType<typeof selectedMaps>>>> {
  for (let i = 0; i < 50; i++) {
    const busy = await page.evaluate(async () => {
      const st = window.__rd!.store;
      st.setState((s) => ({ training: { ...s.training, note: undefined } }));
      await st.getState().showPair(st.getState().dataset.selectedId!);
      return /busy/.test(st.getState().training.note ?? '');
    });
    const maps = busy ? null : await selectedMaps(page, stride);
    if (maps) return maps;
    await page.waitForTimeout(200);
  }
  throw new Error('no maps: the worker stayed busy');
}

/**
 * A 64x32 crop of the bundled tsukuba sample (both views, same rows: still a rectified pair), as files to
 * drop. The GPU-loss tests train and predict on it alone: on SwiftShader every new image size compiles
 * the networks' shaders again, and the four sample scenes' sizes made those tests minutes longer.
 */
export function smallPairFiles(): DropFile[] {
  const crop = (view: 'left' | 'right'): Buffer => {
    const png = decodePng(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), `../public/samples/tsukuba/${view}.png`)));
    const ch = png.channels;
    const [x0, y0, w, h] = [150, 120, 64, 32];
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = png.data[((y0 + y) * png.width + x0 + x) * ch + Math.min(c, ch - 1)];
      }
    }
    return Buffer.from(encodePng({ width: w, height: h, channels: 3, depth: 8, data }));
  };
  return [{ name: 'crop_left.png', bytes: crop('left'), type: 'image/png' }, { name: 'crop_right.png', bytes: crop('right'), type: 'image/png' }];
}

/** Removes every pair (the sample scenes) from the page's dataset. */
export async function removeAllPairs(page: Page): Promise<void> {
  await page.evaluate(() => {
    const st = window.__rd!.store.getState();
    for (const p of st.dataset.pairs) st.removePair(p.id);
  });
}

/** Removes every pair, then drops smallPairFiles and waits until it is the one selected pair. */
export async function onlySmallPair(page: Page): Promise<void> {
  await removeAllPairs(page);
  await dropFiles(page, smallPairFiles());
  await page.waitForFunction(() => {
    const ds = window.__rd!.store.getState().dataset;
    return ds.pairs.length === 1 && ds.selectedId === ds.pairs[0].id && ds.pairs[0].width === 64 && ds.pairs[0].height === 32;
  });
}
