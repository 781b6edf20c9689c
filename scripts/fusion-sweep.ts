/**
 * Compares ways of bringing SingleNet to StereoNet's scale before fusing, on pairs with ground truth:
 *
 *   npx tsx scripts/fusion-sweep.ts --weights <model dir> --scenes <dir or scene dirs, comma-separated> [--json out.json]
 *
 * For each scene: StereoNet's map, its occlusion map (left-right check at the model's tolerance) and
 * SingleNet's raw map, once; then the fused map with each alignment (one fit per image, the app's rule,
 * local offsets and local fits over windows of several sizes and ridges: --radii, --ridges, --offsets 0). Prints EPE on all GT pixels and on the pixels
 * the occlusion map replaces. Used to choose the app's rule on held-out corpus pairs (CORPUS_VAL), never
 * on the six validation scenes.
 */
import * as tf from '@tensorflow/tfjs';
import { writeFile } from 'node:fs/promises';
import { alignSingle, alignSingleGlobal, alignSingleLocal, fuseDisparity } from '../src/core/fusion';
import { uploadScene } from '../src/train/pipeline';
import { predictMaps } from '../src/train/predict';
import { defaultSettings } from '../src/config/settings';
import { loadModel, loadScenes, parseArgs, runCli, threadsFlag, useNodeBackend } from '../cli/common';
import type { DispT, MapT } from '../src/core/types';

function epe(d: Float32Array, gt: Float32Array, sel?: (i: number) => boolean): { epe: number; bad3: number; n: number } {
  let s = 0;
  let b = 0;
  let n = 0;
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    if (!(g > 0) || !Number.isFinite(g) || (sel && !sel(i))) continue;
    const e = Math.abs(d[i] - g);
    s += e;
    if (e > 3) b++;
    n++;
  }
  return { epe: n ? s / n : NaN, bad3: n ? (100 * b) / n : NaN, n };
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), []);
  const weights = flags.get('weights')!;
  await useNodeBackend(flags.get('backend'), { threads: threadsFlag(flags), step: defaultSettings() });
  const model = await loadModel(weights);
  const tolerance = Number(flags.get('lrTolerance') ?? (model.modelJson.userDefinedMetadata.settings as { lrTolerance?: number }).lrTolerance ?? 0.5);
  const scenes = [];
  for (const dir of flags.get('scenes')!.split(',')) scenes.push(...(await loadScenes(dir)));
  const methods: Record<string, (s: DispT, d: DispT, m: MapT) => DispT> = {
    'one fit': (s, d, m) => alignSingleGlobal(s, d, m),
    'app (alignSingle)': (s, d, m) => alignSingle(s, d, m),
  };
  // --radii 0.03,0.06 --ridges 1 (affine) ; offsets too with --offsets 1
  const radii = (flags.get('radii') ?? '0.03,0.06,0.12,0.25').split(',').map(Number);
  const ridges = (flags.get('ridges') ?? '1').split(',').map(Number);
  for (const r of radii) {
    if (flags.get('offsets') !== '0') methods[`offset r${r}`] = (s, d, m) => alignSingleLocal(s, d, m, { radius: r, affine: false });
    for (const ridge of ridges) methods[`affine r${r} l${ridge}`] = (s, d, m) => alignSingleLocal(s, d, m, { radius: r, affine: true, ridge });
  }
  const rows: Record<string, Record<string, { all: number; occ: number; bad3: number }>> = {};
  for (const scene of scenes) {
    if (!scene.gtDisp) continue;
    const st = uploadScene(scene);
    const maps = await predictMaps({ stereo: model.nets.stereo, single: model.nets.single }, st, undefined, tolerance);
    const { width: W, height: H } = scene;
    const gt = scene.gtDisp;
    const occ = maps.occlusion!;
    const row: (typeof rows)[string] = {};
    const st0 = epe(maps.stereoDisp!, gt);
    row.StereoNet = { all: st0.epe, occ: epe(maps.stereoDisp!, gt, (i) => occ[i] > 0.5).epe, bad3: st0.bad3 };
    const d = tf.tensor4d(maps.stereoDisp!, [1, H, W, 1]) as DispT;
    const s = tf.tensor4d(maps.singleDisp!, [1, H, W, 1]) as DispT;
    const m = tf.sub(1, tf.tensor4d(occ, [1, H, W, 1])) as MapT;
    for (const [name, f] of Object.entries(methods)) {
      const fused = tf.tidy(() => fuseDisparity(d, f(s, d, m), m));
      const v = (await fused.data()) as Float32Array;
      fused.dispose();
      const a = epe(v, gt);
      row[name] = { all: a.epe, occ: epe(v, gt, (i) => occ[i] > 0.5).epe, bad3: a.bad3 };
    }
    tf.dispose([d, s, m]);
    rows[scene.name] = row;
    const occShare = occ.reduce((a, x) => a + (x > 0.5 ? 1 : 0), 0) / occ.length;
    console.log(`${scene.name} (${W}x${H}, ${(100 * occShare).toFixed(1)} % occluded by the check)`);
    for (const [k, v] of Object.entries(row)) console.log(`  ${k.padEnd(16)} all ${v.all.toFixed(2).padStart(6)}  bad3 ${v.bad3.toFixed(1).padStart(5)}  on occluded ${v.occ.toFixed(2).padStart(6)}`);
  }
  const names = Object.keys(Object.values(rows)[0] ?? {});
  console.log('mean over scenes');
  for (const k of names) {
    const vals = Object.values(rows).map((r) => r[k]);
    const mean = (f: (x: { all: number; occ: number; bad3: number }) => number) => vals.reduce((a, x) => a + f(x), 0) / vals.length;
    console.log(`  ${k.padEnd(16)} all ${mean((x) => x.all).toFixed(3).padStart(7)}  bad3 ${mean((x) => x.bad3).toFixed(2).padStart(6)}  on occluded ${mean((x) => x.occ).toFixed(2).padStart(6)}`);
  }
  if (flags.get('json')) await writeFile(flags.get('json')!, JSON.stringify({ weights, tolerance, rows }, null, 1));
}

runCli('fusion-sweep', main);
