/**
 * Does an image-guided weighted median filter at full resolution (src/core/edgeRefine.ts) sharpen the maps' depth
 * edges, and with which radius and colour spread? Scores StereoNet-D and Fused-D (the app's answer, predictAnswer with the model's settings) before and after,
 * for each radius and sigma given: EPE, bad-3 and D1 on all pixels with GT. Choose on held-out corpus pairs (CORPUS_VAL
 * in cli/corpus.ts), never on the validation scenes.
 *
 *   npx tsx scripts/edge-filter.ts --weights public/pretrained/default --scenes <dir>[,<dir>...] --radii 3,5 --sigmas 0.05,0.1
 */
import { loadModel, loadScenes, parseArgs, runCli, useNodeBackend } from '../cli/common';
import { refineEdges } from '../src/core/edgeRefine';
import { disparityMetrics } from '../src/core/metrics';
import { uploadScene } from '../src/train/pipeline';
import { predictAnswer } from '../src/train/predict';

runCli('edge-filter', async () => {
  const { flags } = parseArgs(process.argv.slice(2), []);
  await useNodeBackend('wasm', { threads: 2 });
  const { nets, modelJson } = await loadModel(flags.get('weights')!);
  const settings = modelJson.userDefinedMetadata.settings as { lrTolerance?: number; inferScale?: string } | undefined;
  const radii = (flags.get('radii') ?? '3,5').split(',').map(Number);
  const sigmas = (flags.get('sigmas') ?? '0.05,0.1').split(',').map(Number);
  const fmt = (m: { epe: number; bad3: number; d1: number }) => `${m.epe.toFixed(3)} / ${m.bad3.toFixed(1)} / ${m.d1.toFixed(1)}`;
  for (const dir of flags.get('scenes')!.split(',')) {
    for (const scene of await loadScenes(dir)) {
      const gt = scene.gtDisp;
      if (!gt) continue;
      const st = uploadScene(scene);
      const m = await predictAnswer(nets, st, settings?.lrTolerance, settings?.inferScale === 'auto') // raw: no edgeRefine;
      st.leftImg.dispose();
      st.rightImg.dispose();
      const { width: W, height: H } = scene;
      const opts = scene.nonOccMask ? { mask: scene.nonOccMask } : {};
      for (const [name, d] of [['StereoNet-D', m.stereoDisp], ['Fused-D', m.fusedDisp]] as const) {
        if (!d) continue;
        const line = [`${scene.name.padEnd(40)} ${name.padEnd(11)} raw ${fmt(disparityMetrics(d, gt, opts).all)}`];
        for (const r of radii) for (const s of sigmas) {
          const t0 = performance.now();
          const f = refineEdges(d, scene.leftImg, W, H, r, s);
          line.push(`r${r} s${s}: ${fmt(disparityMetrics(f, gt, opts).all)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        }
        console.log(line.join(' | '));
      }
    }
  }
});
