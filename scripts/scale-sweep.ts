/**
 * At which scale should a pair be run? Predicts each scene with its images resized by several factors and
 * scores StereoNet's and the fused map, brought back to the scene's size, against its GT:
 *
 *   npx tsx scripts/scale-sweep.ts --weights <model dir> --scenes <dir,dir,...> [--factors 0.5,0.75,1,1.5,2]
 *
 * Also prints the 95th percentile of StereoNet's disparity at scale 1, the figure a rule could choose from.
 */
import * as tf from '@tensorflow/tfjs';
import { resizeDisparity } from '../src/core/resize';
import type { DispT, ImageT } from '../src/core/types';
import { defaultSettings } from '../src/config/settings';
import { predictMaps } from '../src/train/predict';
import { uploadScene, type SceneTensors } from '../src/train/pipeline';
import { loadModel, loadScenes, parseArgs, runCli, threadsFlag, useNodeBackend } from '../cli/common';

function epe(d: Float32Array, gt: Float32Array): { epe: number; bad3: number } {
  let s = 0;
  let b = 0;
  let n = 0;
  for (let i = 0; i < gt.length; i++) {
    if (!(gt[i] > 0) || !Number.isFinite(gt[i])) continue;
    const e = Math.abs(d[i] - gt[i]);
    s += e;
    b += e > 3 ? 1 : 0;
    n++;
  }
  return { epe: s / n, bad3: (100 * b) / n };
}

async function main(): Promise<void> {
  const { flags } = parseArgs(process.argv.slice(2), []);
  await useNodeBackend(flags.get('backend'), { threads: threadsFlag(flags), step: defaultSettings() });
  const model = await loadModel(flags.get('weights')!);
  const tolerance = (model.modelJson.userDefinedMetadata.settings as { lrTolerance?: number }).lrTolerance ?? 0.5;
  const factors = (flags.get('factors') ?? '0.5,0.75,1,1.5,2').split(',').map(Number);
  for (const dir of flags.get('scenes')!.split(',')) {
    for (const scene of await loadScenes(dir)) {
      if (!scene.gtDisp) continue;
      const st = uploadScene(scene);
      const { width: W, height: H } = scene;
      const line: string[] = [];
      for (const f of factors) {
        const w = Math.round(W * f);
        const h = Math.round(H * f);
        const rs = (t: ImageT) => (f === 1 ? t : (tf.image.resizeBilinear(t, [h, w], false, true) as ImageT));
        const scaled: SceneTensors = { scene: { ...scene, width: w, height: h }, leftImg: rs(st.leftImg), rightImg: rs(st.rightImg) };
        const maps = await predictMaps({ stereo: model.nets.stereo, single: model.nets.single }, scaled, undefined, tolerance * f);
        const back = (a: Float32Array) => {
          const t = tf.tidy(() => resizeDisparity(tf.tensor4d(a, [1, h, w, 1]) as DispT, H, W));
          const v = t.dataSync() as Float32Array;
          t.dispose();
          return v;
        };
        const sd = back(maps.stereoDisp!);
        const fd = back(maps.fusedDisp!);
        if (f === 1) {
          const sorted = Float32Array.from(sd).sort();
          line.unshift(`p95 ${sorted[Math.floor(0.95 * sorted.length)].toFixed(1)} px, GT max ${scene.gtDisp.reduce((m, v) => (Number.isFinite(v) && v > m ? v : m), 0).toFixed(0)}`);
        }
        const a = epe(sd, scene.gtDisp);
        const b = epe(fd, scene.gtDisp);
        line.push(`x${f}: ${a.epe.toFixed(2)}/${a.bad3.toFixed(1)} fused ${b.epe.toFixed(2)}/${b.bad3.toFixed(1)}`);
        if (f !== 1) tf.dispose([scaled.leftImg, scaled.rightImg]);
      }
      tf.dispose([st.leftImg, st.rightImg]);
      console.log(`${scene.name} ${W}x${H}: ${line.join(' | ')}`);
    }
  }
}

runCli('scale-sweep', main);
