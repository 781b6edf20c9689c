/**
 * Writes a copy of each scene folder resampled by the factor its answer is predicted at (inferScale auto,
 * src/train/inferScale.ts, from the given model's first StereoNet answer): left.png and right.png only (no
 * GT), for adapting at the scale the answer is given at (scripts/adapt-scale.sh).
 *
 *   npx tsx scripts/resample-at-factor.ts --weights <model dir> --scenes <dir>[,<dir>...] --out <dir>
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode as encodePng } from 'fast-png';
import { uploadScene } from '../src/train/pipeline';
import { predictAnswer } from '../src/train/predict';
import { loadModel, loadScenes, parseArgs, runCli, useNodeBackend } from '../cli/common';

runCli('resample-at-factor', async () => {
  const { flags } = parseArgs(process.argv.slice(2), []);
  await useNodeBackend('wasm', { threads: 2 });
  const { nets } = await loadModel(flags.get('weights')!);
  const out = flags.get('out')!;
  for (const dir of flags.get('scenes')!.split(',')) {
    for (const scene of await loadScenes(dir)) {
      const st = uploadScene(scene);
      const a = await predictAnswer({ stereo: nets.stereo }, st, undefined, true);
      const f = a.factor ?? 1;
      const w = Math.round(scene.width * f);
      const h = Math.round(scene.height * f);
      const dest = join(out, scene.name);
      await mkdir(dest, { recursive: true });
      for (const [name, img] of [['left', st.leftImg], ['right', st.rightImg]] as const) {
        const r = tf.tidy(() => tf.image.resizeBilinear(img, [h, w], false, true).clipByValue(0, 1).mul(255).round());
        const rgb = Uint8Array.from(await r.data());
        r.dispose();
        await writeFile(join(dest, `${name}.png`), encodePng({ width: w, height: h, channels: 3, depth: 8, data: rgb }));
      }
      tf.dispose([st.leftImg, st.rightImg]);
      console.log(`${scene.name}: factor ${f.toFixed(3)}, ${scene.width}x${scene.height} -> ${w}x${h}`);
    }
  }
});
