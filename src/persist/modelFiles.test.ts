import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStereoNet, exportModel, stereoNetConfig } from '../model/index';
import { isModelFile, readModelFiles } from './modelFiles';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function files() {
  const stereo = buildStereoNet(stereoNetConfig('tiny', { seed: 4 }));
  const { modelJson, weightData } = await exportModel({ stereo }, { settings: { seed: 4 } });
  stereo.dispose();
  return { modelJson, weightData, json: new Blob([JSON.stringify(modelJson)]), bin: new Blob([weightData]) };
}

describe('readModelFiles', () => {
  it('reads model.json with its weights, matched by name or as the one renamed .bin', async () => {
    const f = await files();
    const a = await readModelFiles([{ path: 'run/weights.bin', blob: f.bin }, { path: 'run/model.json', blob: f.json }]);
    expect(new Uint8Array(a.weightData)).toEqual(new Uint8Array(f.weightData));
    expect(a.modelJson.userDefinedMetadata.settings).toEqual({ seed: 4 });
    expect(a.name).toBe('model.json');
    const b = await readModelFiles([{ path: 'model (2).json', blob: f.json }, { path: 'weights (2).bin', blob: f.bin }]);
    expect(new Uint8Array(b.weightData)).toEqual(new Uint8Array(f.weightData));
    expect(['a.json', 'w.BIN', 'left.png', 'x.zip'].map(isModelFile)).toEqual([true, true, false, false]);
  });

  it('says what is missing or wrong', async () => {
    const f = await files();
    await expect(readModelFiles([{ path: 'weights.bin', blob: f.bin }])).rejects.toThrow(/Choose the model's model\.json together with its weight file \(weights\.bin\); got only weights\.bin/);
    await expect(readModelFiles([{ path: 'model.json', blob: f.json }])).rejects.toThrow(/model\.json needs its weight file weights\.bin: choose or drop it together with model\.json/);
    await expect(readModelFiles([{ path: 'a.json', blob: f.json }, { path: 'b.json', blob: f.json }, { path: 'weights.bin', blob: f.bin }])).rejects.toThrow(/one model at a time \(got 2 \.json files: a\.json, b\.json\)/);
    await expect(readModelFiles([{ path: 'model.json', blob: f.json }, { path: 'weights.bin', blob: new Blob([new Uint8Array(10)]) }])).rejects.toThrow(/weights\.bin holds 10 bytes but model\.json describes \d+: not the weights of this model\.json/);
    await expect(readModelFiles([{ path: 'model.json', blob: new Blob(['<html>']) }, { path: 'weights.bin', blob: f.bin }])).rejects.toThrow(/model\.json is not JSON .* it starts with "<html>"/);
    const v2 = new Blob([JSON.stringify({ ...f.modelJson, formatVersion: 2 })]);
    await expect(readModelFiles([{ path: 'model.json', blob: v2 }, { path: 'weights.bin', blob: f.bin }])).rejects.toThrow(/format version 2; this app reads version 1/);
  });
});
