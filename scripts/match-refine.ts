/**
 * Does matching at full resolution (src/core/matchRefine.ts) correct the final maps, and with which settings? Scores
 * StereoNet-D and Fused-D (the app's answer, predictAnswer with the model's settings, before any refinement) raw, with
 * the edge refinement alone, and with each match-refinement variant before the edge refinement: EPE, bad-3 and D1 on all
 * pixels with GT. Choose on held-out corpus pairs (CORPUS_VAL in cli/corpus.ts), never on the validation scenes.
 * The networks' maps are cached in --cache (one file per pair and map), so variants are cheap to add.
 *
 *   npx tsx scripts/match-refine.ts --weights public/pretrained/default --scenes <dir>[,<dir>...] --cache /tmp/mr \
 *     --variants "range=2,radius=9;range=3,radius=5"
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, loadScenes, parseArgs, runCli, useNodeBackend } from '../cli/common';
import { refineEdges } from '../src/core/edgeRefine';
import { refineByMatching, type MatchRefineOptions } from '../src/core/matchRefine';
import { disparityMetrics } from '../src/core/metrics';
import { uploadScene } from '../src/train/pipeline';
import { predictAnswer } from '../src/train/predict';

runCli('match-refine', async () => {
  const { flags } = parseArgs(process.argv.slice(2), []);
  await useNodeBackend('wasm', { threads: 2 });
  const weights = flags.get('weights')!;
  const cache = flags.get('cache')!;
  mkdirSync(cache, { recursive: true });
  const variants = (flags.get('variants') ?? 'range=2').split(';').map((v) => {
    const o: Partial<MatchRefineOptions> = {};
    for (const kv of v.split(',')) {
      const [k, val] = kv.split('=');
      (o as Record<string, number>)[k] = Number(val);
    }
    return { label: v, o };
  });
  const edge = Number(flags.get('edge') ?? 10);
  let nets: Awaited<ReturnType<typeof loadModel>> | undefined;
  const fmt = (m: { epe: number; bad3: number; d1: number }) => `${m.epe.toFixed(3)} / ${m.bad3.toFixed(1)} / ${m.d1.toFixed(1)}`;
  for (const dir of flags.get('scenes')!.split(',')) {
    for (const scene of await loadScenes(dir)) {
      const gt = scene.gtDisp;
      if (!gt) continue;
      const { width: W, height: H } = scene;
      const file = (k: string) => join(cache, `${scene.name}.${k}.f32`);
      if (!existsSync(file('stereoDisp'))) {
        nets ??= await loadModel(weights);
        const settings = nets.modelJson.userDefinedMetadata.settings as { lrTolerance?: number; inferScale?: string } | undefined;
        const st = uploadScene(scene);
        const m = await predictAnswer(nets.nets, st, settings?.lrTolerance, settings?.inferScale === 'auto');
        st.leftImg.dispose();
        st.rightImg.dispose();
        for (const k of ['stereoDisp', 'fusedDisp', 'occlusion'] as const) if (m[k]) writeFileSync(file(k), Buffer.from(m[k]!.buffer));
      }
      const read = (k: string) => new Float32Array(new Uint8Array(readFileSync(file(k))).buffer);
      const opts = scene.nonOccMask ? { mask: scene.nonOccMask } : {};
      for (const name of ['stereoDisp', 'fusedDisp']) {
        const d = read(name);
        const score = (x: Float32Array) => fmt(disparityMetrics(x, gt, opts).all);
        const t0 = performance.now();
        const e = refineEdges(d, scene.leftImg, W, H, edge);
        const te = (performance.now() - t0) / 1000;
        const line = [`${scene.name.padEnd(40)} ${name.padEnd(10)} raw ${score(d)} | edge ${score(e)} (${te.toFixed(1)} s)`];
        for (const v of variants) {
          const t1 = performance.now();
          const m = refineByMatching(d, scene.leftImg, scene.rightImg, W, H, v.o);
          const t = (performance.now() - t1) / 1000;
          line.push(`[${v.label}] match ${score(m)} (${t.toFixed(1)} s) +edge ${score(refineEdges(m, scene.leftImg, W, H, edge))}`);
        }
        console.log(line.join(' | '));
      }
    }
  }
});
