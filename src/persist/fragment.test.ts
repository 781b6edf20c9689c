import * as tf from '@tensorflow/tfjs';
import { deflateSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSingleNet, buildStereoNet, exportModel, singleNetConfig, stereoNetConfig, type ModelJson, type PresetName } from '../model/index';
import { decodeModelFragment, encodeModelFragment, fromBase64Url, MAX_FRAGMENT_CHARS, MAX_INFLATED_BYTES, shareFragment, toBase64Url } from './fragment';
import { errorBound, quantizeWeights } from './quantize';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function model(preset: PresetName): Promise<{ modelJson: ModelJson; weightData: ArrayBuffer }> {
  const stereo = buildStereoNet(stereoNetConfig(preset, { seed: 1 }));
  const single = buildSingleNet(singleNetConfig(preset, { seed: 2 }));
  const out = await exportModel({ stereo, single }, { settings: { preset, seed: 1, width: 128 } });
  stereo.dispose();
  single.dispose();
  return out;
}

describe('model in a link fragment', () => {
  it('base64url round-trips any bytes with no padding or URL-unsafe characters', () => {
    const bytes = Uint8Array.from({ length: 70000 }, (_, i) => (i * 131 + (i >> 8)) & 255);
    const text = toBase64Url(bytes);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromBase64Url(text)).toEqual(bytes);
    expect(() => fromBase64Url('abc$')).toThrow(/damaged/);
  });

  it('round-trips the tiny preset: metadata exact, every weight within its quantisation bound', async () => {
    const { modelJson, weightData } = await model('tiny');
    const original = new Float32Array(weightData);
    for (const mode of ['float16', 'uint8'] as const) {
      const text = encodeModelFragment(modelJson, weightData, mode);
      const back = decodeModelFragment(text);
      expect(back.modelJson.userDefinedMetadata).toEqual(modelJson.userDefinedMetadata);
      expect(back.modelJson.weightsManifest[0].weights).toEqual(modelJson.weightsManifest[0].weights);
      const got = new Float32Array(back.weightData);
      expect(got.length).toBe(original.length);
      expect(JSON.stringify(back.modelJson)).not.toMatch(/quantization/); // plain float32 again
      // the bound of each weight comes from the quantised spec of its tensor
      let i = 0;
      const qspecs = quantizeWeights(modelJson.weightsManifest[0].weights, weightData, mode).specs;
      for (const spec of qspecs) {
        const n = spec.shape.reduce((a, b) => a * b, 1);
        for (let k = 0; k < n; k++, i++) expect(Math.abs(got[i] - original[i])).toBeLessThanOrEqual(errorBound(spec, original[i]));
      }
      console.log(`tiny preset, ${mode}: fragment of ${text.length} characters (${weightData.byteLength} bytes of float32 weights)`);
    }
  });

  it('shareFragment picks float16 for the tiny preset and refuses the default preset with its size', async () => {
    const tiny = await model('tiny');
    const got = shareFragment(tiny.modelJson, tiny.weightData);
    expect('mode' in got && got.mode).toBe('float16');
    expect('text' in got && got.text.length).toBeLessThanOrEqual(MAX_FRAGMENT_CHARS);
    const big = await model('default');
    const refused = shareFragment(big.modelJson, big.weightData);
    expect('tooLarge' in refused && refused.tooLarge).toBeGreaterThan(MAX_FRAGMENT_CHARS);
    console.log(`default preset: ${'tooLarge' in refused ? refused.tooLarge : 0} characters even at 8 bits (limit ${MAX_FRAGMENT_CHARS})`);
  });

  it('damaged, foreign, oversized and bomb fragments give clear messages', async () => {
    const { modelJson, weightData } = await model('tiny');
    const text = encodeModelFragment(modelJson, weightData, 'uint8');
    expect(() => decodeModelFragment(text.slice(0, text.length >> 1))).toThrow(/does not decompress|cut short|bytes of weights/);
    expect(() => decodeModelFragment('x'.repeat(MAX_FRAGMENT_CHARS + 1))).toThrow(/at most 262144 are read/);
    expect(() => decodeModelFragment(toBase64Url(deflateSync(new TextEncoder().encode('hello world'))))).toThrow(/holds no reciprocal-depth model/);
    const bomb = toBase64Url(deflateSync(new Uint8Array(MAX_INFLATED_BYTES + 10), { level: 9 }));
    expect(bomb.length).toBeLessThan(MAX_FRAGMENT_CHARS);
    expect(() => decodeModelFragment(bomb)).toThrow(/unpacks to more than/);
    // a wrong format version inside a well-formed fragment
    const newer = encodeModelFragment({ ...modelJson, formatVersion: 2 }, weightData, 'uint8');
    expect(() => decodeModelFragment(newer)).toThrow(/format version 2; this app reads version 1/);
  });
});
