/**
 * Where a model's error on a scene with GT lies: EPE and bad-3 near depth edges of the GT (within 3 px of a GT
 * disparity jump over 1 px) and away from them, for the answer the app gives (predictAnswer, the model's settings).
 *
 *   npx tsx scripts/error-breakdown.ts --weights <model dir> --scenes <dir>[,<dir>...]
 */
import { loadModel, loadScenes, parseArgs, runCli, useNodeBackend } from '../cli/common';
import { uploadScene } from '../src/train/pipeline';
import { predictAnswer } from '../src/train/predict';

runCli('error-breakdown', async () => {
  const { flags } = parseArgs(process.argv.slice(2), []);
  await useNodeBackend('wasm', { threads: 2 });
  const { nets, modelJson } = await loadModel(flags.get('weights')!);
  const settings = modelJson.userDefinedMetadata.settings as { lrTolerance?: number; inferScale?: string } | undefined;
  for (const dir of flags.get('scenes')!.split(',')) {
    for (const scene of await loadScenes(dir)) {
      const gt = scene.gtDisp;
      if (!gt) continue;
      const st = uploadScene(scene);
      const m = await predictAnswer(nets, st, settings?.lrTolerance, settings?.inferScale === 'auto');
      const { width: W, height: H } = scene;
      // pixels within 3 px of a GT jump > 1 px (both sides known)
      const edge = new Uint8Array(W * H);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const jump = (j: number) => gt[i] > 0 && gt[j] > 0 && Math.abs(gt[i] - gt[j]) > 1;
        if ((x + 1 < W && jump(i + 1)) || (y + 1 < H && jump(i + W))) {
          for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) {
            const yy = y + dy, xx = x + dx;
            if (yy >= 0 && yy < H && xx >= 0 && xx < W) edge[yy * W + xx] = 1;
          }
        }
      }
      for (const [name, d] of [['StereoNet-D', m.stereoDisp], ['Fused-D', m.fusedDisp]] as const) {
        if (!d) continue;
        const acc = [0, 1].map(() => ({ n: 0, err: 0, bad: 0 }));
        let occN = 0, occErr = 0;
        for (let i = 0; i < W * H; i++) {
          if (!(gt[i] > 0)) continue;
          const e = Math.abs(d[i] - gt[i]);
          const a = acc[edge[i]];
          a.n++; a.err += e; if (e > 3) a.bad++;
          if (m.occlusion && m.occlusion[i] > 0.5) { occN++; occErr += e; }
        }
        const all = acc[0].n + acc[1].n;
        const f = (a: { n: number; err: number; bad: number }) => `${(a.err / Math.max(1, a.n)).toFixed(2)} px, bad-3 ${((100 * a.bad) / Math.max(1, a.n)).toFixed(1)} % on ${((100 * a.n) / all).toFixed(1)} % of GT pixels`;
        console.log(`${scene.name} ${name} (factor ${(m.factor ?? 1).toFixed(2)}): near GT edges ${f(acc[1])}; elsewhere ${f(acc[0])}; share of the total error near edges ${((100 * acc[1].err) / (acc[0].err + acc[1].err)).toFixed(0)} %; pixels its own occlusion map marks: ${((100 * occN) / all).toFixed(1)} %, EPE ${(occErr / Math.max(1, occN)).toFixed(2)}`);
      }
      st.leftImg.dispose(); st.rightImg.dispose();
    }
  }
});
