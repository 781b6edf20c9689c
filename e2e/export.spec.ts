// Export in a real Chromium (wasm): the shipped pretrained model's maps of a sample pair,
// downloaded through the Export panel and the Metrics table's CSV button, and read back in Node.
// PNG and PFM must hold the map the store holds (window.__rd), depth and the point cloud must
// follow from it by the stated formulas, and bad calibration input must say what is wrong.
import { readFileSync } from 'node:fs';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { decodePfm } from '../src/data/pfm';
import { decodePngRaw } from '../src/data/png';
import { collectErrors, waitForRuntime } from './helpers';

interface Saved {
  name: string;
  bytes: Uint8Array;
}

/** Clicks a button and returns the file the browser downloaded, saved under the test's output folder. */
async function downloadOf(page: Page, testInfo: TestInfo, click: () => Promise<void>): Promise<Saved> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const name = d.suggestedFilename();
  const file = testInfo.outputPath(name);
  await d.saveAs(file);
  return { name, bytes: new Uint8Array(readFileSync(file)) };
}

/** The selected pair's maps and left image as the store holds them now. */
const storeMaps = (page: Page) =>
  page.evaluate(() => {
    const s = window.__rd!.store.getState();
    const id = s.dataset.selectedId!;
    const maps = s.buffers.previews.get(id)!;
    const scene = s.buffers.scenes.get(id)!;
    const arr = (a?: Float32Array) => (a ? Array.from(a) : undefined);
    return {
      name: s.dataset.pairs.find((p) => p.id === id)!.name,
      width: maps.width,
      height: maps.height,
      stereoDisp: arr(maps.stereoDisp),
      singleDisp: arr(maps.singleDisp),
      fusedDisp: arr(maps.fusedDisp),
      left: Array.from(scene.leftImg.data),
    };
  });

/** a within a relative 1e-5 of b (float32 files against the same formula in double precision). */
function expectClose(a: number, b: number, what: string): void {
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));
}

/** Parses a binary little-endian PLY of x y z float32 + red green blue uchar. */
function readPly(bytes: Uint8Array) {
  const text = new TextDecoder('latin1').decode(bytes);
  const end = text.indexOf('end_header\n') + 'end_header\n'.length;
  const header = text.slice(0, end).trim().split('\n');
  const count = Number(header.find((l) => l.startsWith('element vertex '))!.split(' ')[2]);
  const view = new DataView(bytes.buffer, bytes.byteOffset + end);
  const vertex = (k: number) => ({
    x: view.getFloat32(k * 15, true),
    y: view.getFloat32(k * 15 + 4, true),
    z: view.getFloat32(k * 15 + 8, true),
    rgb: [view.getUint8(k * 15 + 12), view.getUint8(k * 15 + 13), view.getUint8(k * 15 + 14)],
  });
  return { header, count, bodyBytes: view.byteLength, vertex };
}

test('Export: the pretrained maps of a sample as KITTI PNG, PFM, depth, PLY and the metrics as CSV, read back', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await page.goto('/?backend=wasm&weights=pretrained/default');
  expect((await waitForRuntime(page)).error).toBeUndefined();
  await page.waitForFunction(
    () => {
      const s = window.__rd!.store.getState();
      const m = s.buffers.previews.get(s.dataset.selectedId ?? '');
      return m?.stereoDisp !== undefined && m.singleDisp !== undefined && m.fusedDisp !== undefined;
    },
    undefined,
    { timeout: 180_000 },
  );
  const panel = page.getByRole('region', { name: 'Export', exact: true });
  const maps = await storeMaps(page);
  const { width: W, height: H } = maps;
  expect(maps.name).toBe('tsukuba');

  // Each map: the PNG holds round(256 d) (0 where d is not a positive finite number, at most
  // 65535), the PFM the map bit for bit.
  for (const [field, label, file] of [
    ['stereoDisp', 'StereoNet', 'stereo'],
    ['singleDisp', 'SingleNet', 'single'],
    ['fusedDisp', 'Fused', 'fused'],
  ] as const) {
    const d = maps[field]!;
    const png = await downloadOf(page, testInfo, () => panel.getByRole('button', { name: `${label} disparity, 16-bit PNG` }).click());
    expect(png.name).toBe(`tsukuba_${file}_disp.png`);
    const raw = decodePngRaw(png.bytes, png.name);
    expect(raw).toMatchObject({ width: W, height: H, channels: 1, bitDepth: 16 });
    const expected = d.map((v) => (v > 0 && Number.isFinite(v) ? Math.min(65535, Math.max(1, Math.round(256 * v))) : 0));
    expect(Array.from(raw.data), `${label} PNG values`).toEqual(expected);
    expect(expected.filter((v) => v > 0).length, `${label}: a map of real disparities`).toBe(W * H);

    const pfm = await downloadOf(page, testInfo, () => panel.getByRole('button', { name: `${label} disparity, PFM` }).click());
    expect(pfm.name).toBe(`tsukuba_${file}_disp.pfm`);
    const back = decodePfm(pfm.bytes, pfm.name);
    expect(back).toMatchObject({ width: W, height: H, channels: 1 });
    expect(Array.from(back.data), `${label} PFM values`).toEqual(Array.from(Float32Array.from(d)));
  }
  await expect(panel.getByTestId('export-note')).toHaveText(`Saved tsukuba_fused_disp.pfm (${W}×${H}, float32 disparity in px).`);

  // No calibration: depth is refused, the cloud says it is not metric and is Z = W / d.
  const depthButton = panel.getByRole('button', { name: 'Depth (PFM, metres)' });
  await expect(depthButton).toBeDisabled();
  await expect(panel.getByTestId('export-cloud-kind')).toContainText('disparity-scaled, not metric');
  await panel.getByLabel('Export map').selectOption({ label: 'StereoNet' });
  const loose = await downloadOf(page, testInfo, () => panel.getByRole('button', { name: 'Point cloud (PLY)' }).click());
  expect(loose.name).toBe('tsukuba_stereo_cloud.ply');
  const stereo = maps.stereoDisp!;
  const validStereo = stereo.filter((v) => v > 0 && Number.isFinite(v)).length;
  const plyLoose = readPly(loose.bytes);
  expect(plyLoose.header.slice(0, 2)).toEqual(['ply', 'format binary_little_endian 1.0']);
  expect(plyLoose.header.join('\n')).toContain('comment disparity-scaled, not metric');
  expect(plyLoose.count).toBe(validStereo);
  expect(plyLoose.bodyBytes).toBe(validStereo * 15);
  const first = plyLoose.vertex(0); // pixel (0, 0): every pixel has a disparity (checked above)
  expectClose(first.z, W / stereo[0], 'Z of pixel (0, 0)');
  expectClose(first.x, (0 - W / 2) / stereo[0], 'X of pixel (0, 0)');

  // Bad input says what is wrong and keeps both buttons from making a wrong file.
  await panel.getByLabel('Focal length (px)').fill('abc');
  await panel.getByLabel('Baseline (m)').fill('0.1');
  await expect(panel.getByRole('alert')).toHaveText('Focal length "abc" is not a positive number of pixels: type e.g. 3740.');
  await expect(depthButton).toBeDisabled();
  await expect(panel.getByRole('button', { name: 'Point cloud (PLY)' })).toBeDisabled();
  await expect(panel.getByTestId('export-cloud-kind')).toHaveText('Correct the calibration above for a cloud in metres, or clear its fields for a disparity-scaled one.');
  await panel.getByLabel('Baseline (m)').fill('');
  await panel.getByLabel('Focal length (px)').fill('600');
  await expect(panel.getByRole('alert')).toHaveText(/^Baseline is missing/);

  // Typed calibration: depth = f B / (d + doffs) in metres, and a metric cloud with a known point.
  const f = 600;
  const B = 0.16;
  const doffs = 2;
  await panel.getByLabel('Baseline (m)').fill(String(B));
  await panel.getByLabel('doffs (px)').fill(String(doffs));
  await expect(panel.getByRole('alert')).toHaveCount(0);
  await expect(panel.getByTestId('export-calib')).toContainText('Calibration entered');
  await expect(panel.getByTestId('export-cloud-kind')).toContainText('in metres');
  const depthFile = await downloadOf(page, testInfo, () => depthButton.click());
  expect(depthFile.name).toBe('tsukuba_stereo_depth.pfm');
  const depth = decodePfm(depthFile.bytes, depthFile.name);
  expect(depth).toMatchObject({ width: W, height: H, channels: 1 });
  for (let i = 0; i < W * H; i += 97) {
    expectClose(depth.data[i], (f * B) / (stereo[i] + doffs), `depth at pixel ${i}`);
  }
  const metric = readPly((await downloadOf(page, testInfo, () => panel.getByRole('button', { name: 'Point cloud (PLY)' }).click())).bytes);
  expect(metric.header.join('\n')).toContain('comment metres');
  expect(metric.count).toBe(stereo.filter((v) => v + doffs > 0 && Number.isFinite(v)).length);
  const [u, v] = [Math.floor(W / 3), Math.floor((2 * H) / 3)];
  const k = v * W + u; // every pixel has a point, so pixel k is vertex k
  const z = (f * B) / (stereo[k] + doffs);
  const point = metric.vertex(k);
  expectClose(point.z, z, 'Z');
  expectClose(point.x, ((u - W / 2) * z) / f, 'X');
  expectClose(point.y, ((v - H / 2) * z) / f, 'Y');
  expect(point.rgb).toEqual([0, 1, 2].map((c) => Math.round(maps.left[k * 3 + c] * 255)));

  // A pair whose calibration came with it (calib.txt): the fields start from it and say so.
  await page.evaluate(() => {
    const st = window.__rd!.store;
    const id = st.getState().dataset.selectedId;
    st.setState((s) => ({ dataset: { ...s.dataset, pairs: s.dataset.pairs.map((p) => (p.id === id ? { ...p, calib: { focalPx: 615, baselineM: 0.1, doffs: 0, source: 'calib.txt' } } : p)) } }));
  });
  await expect(panel.getByLabel('Focal length (px)')).toHaveValue('615');
  await expect(panel.getByTestId('export-calib')).toContainText('Calibration from calib.txt');
  await expect(panel.getByLabel('Export map')).toHaveValue('stereoDisp'); // the chosen map stays chosen
  const fromFile = decodePfm((await downloadOf(page, testInfo, () => depthButton.click())).bytes, 'depth.pfm');
  expectClose(fromFile.data[0], (615 * 0.1) / stereo[0], 'depth from calib.txt at pixel 0');

  // With its calibration, the pair's depth errors (METHOD.md "where depth is wanted"): StereoNet's Abs Rel by hand here,
  // from its map and the GT through depth = f B / (d + doffs).
  const depthRows = await page.getByRole('table', { name: 'Depth errors' }).locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.querySelectorAll('th, td'), (c) => c.textContent ?? '')),
  );
  expect(depthRows.map((r) => r[0])).toEqual(['StereoNet', 'SingleNet', 'Fused']);
  const absRel = await page.evaluate(() => {
    const st = window.__rd!.store.getState();
    const id = st.dataset.selectedId!;
    const gt = st.buffers.scenes.get(id)!.gtDisp!.data;
    const d = st.buffers.previews.get(id)!.stereoDisp!;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < gt.length; i++) {
      if (!(gt[i] > 0 && Number.isFinite(gt[i]))) continue;
      const z = (615 * 0.1) / gt[i];
      sum += Math.abs((d[i] > 0 ? (615 * 0.1) / d[i] : Infinity) - z) / z;
      n++;
    }
    return sum / n;
  });
  expect(depthRows[0][1]).toBe(Number.isFinite(absRel) ? absRel.toFixed(3) : '–');

  // The Metrics table as CSV: its rows, unrounded, equal to the table's cells once rounded as it rounds them.
  const csvFile = await downloadOf(page, testInfo, () => page.getByRole('button', { name: 'Download metrics (CSV)' }).click());
  expect(csvFile.name).toBe('tsukuba_metrics.csv');
  const lines = new TextDecoder().decode(csvFile.bytes).trimEnd().split('\r\n').map((l) => l.split(','));
  expect(lines[0].slice(0, 7)).toEqual(['when', 'map', 'EPE (px)', 'D1 (%)', 'bad-1 (%)', 'bad-3 (%)', 'pixels']);
  const table = await page.getByRole('table', { name: 'Metrics' }).locator('tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.querySelectorAll('th, td'), (c) => c.textContent ?? '')),
  );
  expect(lines.slice(1).map((l) => l[1])).toEqual(table.map((r) => r[0]));
  expect(table.map((r) => r[0])).toEqual(['StereoNet', 'SingleNet', 'Fused']);
  lines.slice(1).forEach((l, i) => {
    expect([Number(l[2]).toFixed(2), Number(l[3]).toFixed(1), Number(l[4]).toFixed(1), Number(l[5]).toFixed(1)], `${l[1]} row`).toEqual(table[i].slice(1, 5));
    expect(Number(l[6]), `${l[1]}: pixels with GT`).toBeGreaterThan(0);
  });
  expect(errors).toEqual([]);
});
