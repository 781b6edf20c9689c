// SingleNet's raw map against SingleNet with one scale and offset fitted to StereoNet on visible pixels.
import * as tf from '@tensorflow/tfjs';
import { alignSingleGlobal } from '../src/core/fusion';
import { disparityMetrics, constantDisparityBaseline } from '../src/core/metrics';
import { uploadScene } from '../src/train/pipeline';
import { predictMaps } from '../src/train/predict';
import { loadModel, loadScenes, parseArgs, runCli, useNodeBackend } from '../cli/common';

runCli('single-align', async () => {
  const { flags } = parseArgs(process.argv.slice(2), []);
  await useNodeBackend('wasm', { threads: 2 });
  const { nets } = await loadModel(flags.get('weights')!);
  for (const dir of flags.get('scenes')!.split(',')) {
    for (const scene of await loadScenes(dir)) {
      if (!scene.gtDisp) continue;
      const st = uploadScene(scene);
      const m = await predictMaps(nets, st, 1, 2);
      const [H, W] = [scene.height, scene.width];
      const aligned = tf.tidy(() => {
        const vis = tf.sub(1, tf.tensor4d(m.occlusion!, [1, H, W, 1])) as tf.Tensor4D;
        return alignSingleGlobal(tf.tensor4d(m.singleDisp!, [1, H, W, 1]) as never, tf.tensor4d(m.stereoDisp!, [1, H, W, 1]) as never, vis as never);
      });
      const al = (await aligned.data()) as Float32Array;
      aligned.dispose();
      tf.dispose([st.leftImg, st.rightImg]);
      const opts = scene.nonOccMask ? { mask: scene.nonOccMask } : {};
      const f = (d: Float32Array) => { const r = disparityMetrics(d, scene.gtDisp!, opts).all; return `${r.epe.toFixed(2)} / ${r.bad3.toFixed(1)}`; };
      console.log(`${scene.name.padEnd(45)} raw ${f(m.singleDisp!)}  aligned ${f(al)}  stereo ${f(m.stereoDisp!)}  const ${constantDisparityBaseline(scene.gtDisp!).epe.toFixed(2)}`);
    }
  }
});
