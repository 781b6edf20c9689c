/**
 * Evaluates trained weights on scenes with ground truth:
 *
 *   npm run eval -- --weights <dir> --scenes <dir> [--json <file>] [--backend wasm|webgpu|cpu] [--threads N] [--inferScale native|auto] [--matchRefine N] [--edgeRefine N]
 *                   [--gtScale S]
 *
 * <dir> from `npm run train -- --out <dir>`: StereoNet, SingleNet and the fused map are read
 * from after-distill/ (the networks stage 3 starts from), StereoNet-D and Fused-D (StereoNet-D fused
 * with SingleNet: the fused map the app shows for the final weights) from final/. A plain folder with
 * one model.json is evaluated as it is (its StereoNet is then StereoNet-D if it ran stage 3). Prints, per scene and averaged, EPE, D1,
 * bad-1 and bad-3 on all pixels with GT and, where the scene has a non-occluded mask, on
 * non-occluded and occluded pixels. The best constant disparity is shown for scale. --gtScale S reads PNG / PGM
 * ground truth as stored value / S where neither the folder name nor a gt_scale.txt beside it tells the scale.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { constantDisparityBaseline, disparityMetrics, type DispMetrics, type DispStats } from '../src/core/metrics';
import { uploadScene } from '../src/train/pipeline';
import { predictAnswer } from '../src/train/predict';
import { checkSetting, defaultSettings, SETTINGS } from '../src/config/settings';
import { gtScaleFlag, loadModel, loadScenes, logWasmThreads, parseArgs, runCli, threadsFlag, useNodeBackend } from './common';

type MapName = 'StereoNet' | 'SingleNet' | 'Fused' | 'StereoNet-D' | 'Fused-D';
const SUBSETS = ['all', 'nonOcc', 'occ'] as const;

function fmt(s: DispStats | undefined): string {
  if (!s || s.count === 0) return '     -      -      -      -';
  return `${s.epe.toFixed(2).padStart(6)} ${s.d1.toFixed(1).padStart(6)} ${s.bad1.toFixed(1).padStart(6)} ${s.bad3.toFixed(1).padStart(6)}`;
}

function mean(list: DispStats[]): DispStats {
  const avg = (k: keyof DispStats) => list.reduce((a, s) => a + s[k], 0) / list.length;
  return { epe: avg('epe'), d1: avg('d1'), bad1: avg('bad1'), bad2: avg('bad2'), bad3: avg('bad3'), count: list.reduce((a, s) => a + s.count, 0) };
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), []);
  const weights = flags.get('weights');
  const scenesDir = flags.get('scenes');
  if (!weights || !scenesDir) throw new Error('--weights <dir> and --scenes <dir> are required');
  // whole-image passes: at least as large as the app's default training step, so its thread rule applies
  const backend = await useNodeBackend(flags.get('backend'), { threads: threadsFlag(flags), step: defaultSettings() });
  logWasmThreads(backend);
  const staged = existsSync(join(weights, 'after-distill', 'model.json'));
  const base = await loadModel(staged ? join(weights, 'after-distill') : weights);
  const final = staged && existsSync(join(weights, 'final', 'model.json')) ? await loadModel(join(weights, 'final')) : undefined;
  const scenes = (await loadScenes(scenesDir, { gtScale: gtScaleFlag(flags) })).filter((s) => s.gtDisp);
  // the occlusion tolerance the model was trained with (the fused map depends on it)
  const tolerance = Number(flags.get('lrTolerance') ?? (base.modelJson.userDefinedMetadata.settings as { lrTolerance?: number } | undefined)?.lrTolerance ?? 0.5);
  // the scale pairs are predicted at, as the app does with this model (settings inferScale; --inferScale native|auto overrides)
  const auto = (flags.get('inferScale') ?? (base.modelJson.userDefinedMetadata.settings as { inferScale?: string } | undefined)?.inferScale) === 'auto';
  console.log(`pairs predicted at ${auto ? 'the scale their first answer suggests (inferScale auto)' : 'their own size'}`);
  // the full-resolution refinements of the final maps, as the app gives them (the model's saved settings, else their
  // defaults; --matchRefine N and --edgeRefine N override)
  const savedSettings = (base.modelJson.userDefinedMetadata.settings ?? {}) as Partial<Record<'matchRefine' | 'edgeRefine', number>>;
  const refineSetting = (key: 'matchRefine' | 'edgeRefine'): number => {
    const flag = flags.get(key);
    const v = flag !== undefined ? Number(flag) : savedSettings[key] ?? defaultSettings()[key];
    const problem = checkSetting(SETTINGS.find((sp) => sp.key === key)!, v); // the settings table's range
    if (problem !== null) throw new Error(`--${key}: ${problem} (got "${flag ?? savedSettings[key]}")`);
    return v;
  };
  const refine = { matchRefine: refineSetting('matchRefine'), edgeRefine: refineSetting('edgeRefine') };
  console.log(refine.matchRefine > 0 ? `StereoNet's and the fused maps moved onto their best matches within ${refine.matchRefine} px (matchRefine)` : 'maps not match-refined (matchRefine 0)');
  console.log(refine.edgeRefine > 0 ? `StereoNet's and the fused maps' depth edges refined with radius ${refine.edgeRefine} px (edgeRefine)` : 'maps not edge-refined (edgeRefine 0)');
  if (scenes.length === 0) throw new Error(`no scene under "${scenesDir}" has ground truth`);

  /** factor / finalFactor: the scale the pair was predicted at (inferScale), for after-distill and final. */
  const results: Record<string, Partial<Record<MapName, DispMetrics>> & { constantEpe: number; factor: number; finalFactor?: number }> = {};
  for (const scene of scenes) {
    const st = uploadScene(scene);
    const opts = scene.nonOccMask ? { mask: scene.nonOccMask } : {};
    const m = (d?: Float32Array) => (d ? disparityMetrics(d, scene.gtDisp!, opts) : undefined);
    // SingleNet (and so the fused map) only count once stage 2 has trained it.
    const singleTrained = ((base.modelJson.userDefinedMetadata.completedStages as string[] | undefined) ?? ['distill']).includes('distill');
    const maps = await predictAnswer({ stereo: base.nets.stereo, single: singleTrained ? base.nets.single : undefined }, st, tolerance, auto, refine);
    const r: (typeof results)[string] = { constantEpe: constantDisparityBaseline(scene.gtDisp!).epe, factor: maps.factor ?? 1, StereoNet: m(maps.stereoDisp), SingleNet: m(maps.singleDisp), Fused: m(maps.fusedDisp) };
    if (final?.nets.stereo) {
      // the final maps, as the app shows them for these weights: StereoNet-D, and its fusion with SingleNet
      const finalTolerance = Number(flags.get('lrTolerance') ?? (final.modelJson.userDefinedMetadata.settings as { lrTolerance?: number } | undefined)?.lrTolerance ?? tolerance);
      const fm = await predictAnswer({ stereo: final.nets.stereo, single: singleTrained ? final.nets.single : undefined }, st, finalTolerance, auto, refine);
      r['StereoNet-D'] = m(fm.stereoDisp);
      r['Fused-D'] = m(fm.fusedDisp);
      r.finalFactor = fm.factor ?? 1;
    }
    results[scene.name] = r;
    tf.dispose([st.leftImg, st.rightImg]);
  }

  console.log(`backend ${backend}; weights ${weights}${staged ? ' (after-distill + final)' : ''}`);
  if (auto) console.log(`scale each pair was predicted at: ${Object.entries(results).map(([n, r]) => `${n} ${r.factor.toFixed(2)}x${r.finalFactor !== undefined && r.finalFactor !== r.factor ? ` (final ${r.finalFactor.toFixed(2)}x)` : ''}`).join(', ')}`);
  const names: MapName[] = ['StereoNet', 'SingleNet', 'Fused', 'StereoNet-D', 'Fused-D'];
  for (const subset of SUBSETS) {
    const rows = Object.entries(results).filter(([, r]) => names.some((n) => r[n]?.[subset]));
    if (rows.length === 0) continue;
    console.log(`\n${subset === 'all' ? 'all pixels with GT' : subset === 'nonOcc' ? 'non-occluded pixels' : 'occluded pixels'}: EPE (px), D1 (%), bad-1 (%), bad-3 (%)`);
    console.log(`${'scene'.padEnd(18)} ${names.map((n) => n.padEnd(27)).join(' ')}${subset === 'all' ? ' const EPE' : ''}`);
    for (const [scene, r] of rows) console.log(`${scene.padEnd(18)} ${names.map((n) => fmt(r[n]?.[subset]).padEnd(27)).join(' ')}${subset === 'all' ? r.constantEpe.toFixed(2).padStart(10) : ''}`);
    if (rows.length > 1) {
      const avg = names.map((n) => {
        const list = rows.map(([, r]) => r[n]?.[subset]).filter((s): s is DispStats => !!s && s.count > 0);
        return list.length === rows.length ? fmt(mean(list)) : fmt(undefined);
      });
      console.log(`${'average'.padEnd(18)} ${avg.map((a) => a.padEnd(27)).join(' ')}`);
    }
  }
  const json = flags.get('json');
  if (json) {
    await writeFile(json, JSON.stringify({ backend, weights, results }, null, 1));
    console.log(`\nwrote ${json}`);
  }
}

runCli('eval', main);
