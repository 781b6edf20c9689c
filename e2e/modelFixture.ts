// Model files for the browser tests, made in the test process: freshly built tiny networks
// exported with the app's own code (src/model/io.ts) on the tfjs cpu backend. Not trained:
// the tests check loading and checking, not depth quality.
import * as tf from '@tensorflow/tfjs';
import { defaultSettings } from '../src/config/settings';
import { buildSingleNet, buildStereoNet, exportModel, singleNetConfig, stereoNetConfig, type ModelJson } from '../src/model/index';

export interface ModelFiles {
  modelJson: ModelJson;
  json: string;
  bin: Buffer;
}

/** A tiny model (both networks) with training settings in its metadata. */
export async function tinyModel(seed: number, settings: Record<string, unknown> = {}): Promise<ModelFiles> {
  await tf.setBackend('cpu');
  const stereo = buildStereoNet(stereoNetConfig('tiny', { seed }));
  const single = buildSingleNet(singleNetConfig('tiny', { seed: seed + 1 }));
  const meta = { settings: { ...defaultSettings(), preset: 'tiny', width: 64, height: 32, batch: 1, seed, ...settings }, completedStages: ['stereo', 'distill'] };
  const { modelJson, weightData } = await exportModel({ stereo, single }, meta);
  stereo.dispose();
  single.dispose();
  return { modelJson, json: JSON.stringify(modelJson), bin: Buffer.from(weightData) };
}
