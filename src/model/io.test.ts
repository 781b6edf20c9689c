import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomTensor } from '../testing/gradcheck';
import { buildSingleNet, buildStereoNet, exportModel, FORMAT_VERSION, importModel, manifestBytes, ModelFormatError, parseModelJson, singleNetConfig, stereoNetConfig } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

async function saved() {
  const stereo = buildStereoNet(stereoNetConfig('tiny', { seed: 11 }));
  const single = buildSingleNet(singleNetConfig('tiny', { seed: 12 }));
  const out = await exportModel({ stereo, single }, { settings: { steps: 10 } });
  return { stereo, single, ...out };
}

describe('model save / load (tfjs weights manifest + config)', () => {
  it('round-trips: the loaded networks give exactly the same outputs, and metadata survives', async () => {
    const { stereo, single, modelJson, weightData } = await saved();
    // through JSON text, as a file would be
    const { nets, modelJson: back } = await importModel(JSON.parse(JSON.stringify(modelJson)), [weightData.slice(0)]);
    expect(back.userDefinedMetadata.settings).toEqual({ steps: 10 });
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    const l = randomTensor([1, 32, 64, 3], 1) as tf.Tensor4D, r = randomTensor([1, 32, 64, 3], 2) as tf.Tensor4D;
    const a = stereo.forward(l, r)[0], b = nets.stereo!.forward(l, r)[0];
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    const c = single.forward(l)[0], d = nets.single!.forward(l)[0];
    expect(Array.from(await d.data())).toEqual(Array.from(await c.data()));
    expect(nets.stereo!.config).toEqual(stereo.config);
    tf.dispose([l, r, a, b, c, d]);
    [stereo, single, nets.stereo!, nets.single!].forEach((n) => n.dispose());
  });

  it('refuses bad files with a message that names the problem, and keeps no tensors', async () => {
    const { stereo, single, modelJson, weightData } = await saved();
    const before = tf.memory().numTensors;
    const expectError = async (json: unknown, data: ArrayBuffer, re: RegExp) => {
      await expect(importModel(json, [data])).rejects.toThrow(ModelFormatError);
      await expect(importModel(json, [data])).rejects.toThrow(re);
    };
    await expectError('<html>', weightData, /not a JSON object/);
    await expectError({ ...clone(modelJson), format: 'other' }, weightData, /not a reciprocal-depth model/);
    await expectError({ ...clone(modelJson), formatVersion: FORMAT_VERSION + 1 }, weightData, /format version/);
    await expectError(modelJson, weightData.slice(0, 100), /bytes but the manifest/);
    const badCfg = clone(modelJson);
    (badCfg.userDefinedMetadata.networks.stereo as unknown as Record<string, unknown>).channels = [8, 12];
    await expectError(badCfg, weightData, /networks\.stereo\.channels/);
    const wrongShape = clone(modelJson);
    wrongShape.userDefinedMetadata.networks.stereo!.decoder = 16;
    await expectError(wrongShape, weightData, /has shape .* the config needs/);
    const badDesign = clone(modelJson);
    (badDesign.userDefinedMetadata.networks.stereo as unknown as Record<string, unknown>).design = 'guess';
    await expectError(badDesign, weightData, /networks\.stereo\.design must be match or regress/);
    // a matching network's weights under a config without `design` (an older model: it regresses) do not fit
    const noDesign = clone(modelJson);
    delete (noDesign.userDefinedMetadata.networks.stereo as unknown as Record<string, unknown>).design;
    await expectError(noDesign, weightData, /match\/beta" is not part of the configured networks|has shape .* the config needs/);
    const missing = clone(modelJson);
    missing.userDefinedMetadata.networks.single = undefined;
    await expectError(missing, weightData, /is not part of the configured networks/);
    // NaN in the first weight
    const nan = weightData.slice(0);
    new Float32Array(nan, 0, 1)[0] = NaN;
    await expectError(modelJson, nan, /NaN or infinite/);
    expect(tf.memory().numTensors).toBe(before);
    stereo.dispose();
    single.dispose();
  });

  it('export keeps no tensors, and the manifest byte count matches the shard', async () => {
    const stereo = buildStereoNet(stereoNetConfig('tiny', { seed: 3 }));
    const before = tf.memory().numTensors;
    const { modelJson, weightData } = await exportModel({ stereo });
    expect(tf.memory().numTensors).toBe(before);
    expect(manifestBytes(modelJson.weightsManifest)).toBe(weightData.byteLength);
    stereo.dispose();
  });

  it('parseModelJson (no tfjs needed) refuses bad manifests and configs that would build huge networks', async () => {
    const { stereo, single, modelJson } = await saved();
    const expectParse = (edit: (j: ReturnType<typeof clone<typeof modelJson>>) => void, re: RegExp) => {
      const j = clone(modelJson);
      edit(j);
      expect(() => parseModelJson(j)).toThrow(ModelFormatError);
      expect(() => parseModelJson(j)).toThrow(re);
    };
    expectParse((j) => (j.weightsManifest[0].weights[0].dtype = 'int32'), /must be float32/);
    expectParse((j) => (j.weightsManifest[0].weights[0].shape = [3, -1]), /invalid shape/);
    expectParse((j) => ((j.weightsManifest[0].weights[0] as unknown as Record<string, unknown>).quantization = { dtype: 'int4' }), /unknown quantisation/);
    expectParse((j) => (j.weightsManifest[0].paths = Array.from({ length: 65 }, (_, i) => `w${i}.bin`)), /at most 64/);
    expectParse((j) => (j.userDefinedMetadata.networks.stereo!.decoder = 100000), /networks\.stereo\.decoder/);
    expectParse((j) => (j.userDefinedMetadata.networks.single!.encoder[0] = 5000), /networks\.single\.encoder/);
    expect(parseModelJson(clone(modelJson)).userDefinedMetadata.networks.stereo).toEqual(stereo.config);
    stereo.dispose();
    single.dispose();
  });
});
