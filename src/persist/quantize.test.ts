import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WeightSpec } from '../model/format';
import { buildSingleNet, buildStereoNet, exportModel, importModel, singleNetConfig, stereoNetConfig } from '../model/index';
import { rng as mulberry32 } from '../testing/gradcheck';
import { dequantizeWeights, errorBound, fromFloat16Bits, quantizeWeights, toFloat16Bits } from './quantize';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Weights like a network's: mostly small normal values, a few large ones, some exact zeros. */
function fakeWeights(n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, (_, i) => {
    if (i % 97 === 0) return 0;
    const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return i % 211 === 0 ? 30 * g : 0.05 * g;
  });
}

function layout(sizes: number[][]): { specs: WeightSpec[]; data: ArrayBuffer; values: Float32Array } {
  const specs = sizes.map((shape, i) => ({ name: `w${i}`, shape, dtype: 'float32' as const }));
  const n = sizes.reduce((k, s) => k + s.reduce((a, b) => a * b, 1), 0);
  const values = fakeWeights(n, 7);
  return { specs, data: values.slice().buffer, values };
}

describe('float16 bits', () => {
  it('rounds known values to the nearest half, ties to even', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [1, 0x3c00], [-2, 0xc000], [0.1, 0x2e66], [1 / 3, 0x3555], [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next step past the max: rounds to Infinity
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002], [2 ** -14, 0x0400],
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [Infinity, 0x7c00], [-Infinity, 0xfc00],
    ];
    for (const [v, bits] of cases) expect(toFloat16Bits(v).toString(16), String(v)).toBe(bits.toString(16));
    expect(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN)))).toBe(true);
  });

  it('every finite half survives a round trip through its value', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // Infinity and NaN
      expect(toFloat16Bits(fromFloat16Bits(h))).toBe(h === 0x8000 ? 0x8000 : h);
    }
  });
});

describe('quantizeWeights / dequantizeWeights', () => {
  const { specs, data, values } = layout([[3, 3, 8, 12], [12], [1, 1, 12, 1], [1], [0, 4]]);

  for (const mode of ['float16', 'uint8'] as const) {
    it(`${mode}: every weight within its error bound, and tf.io.decodeWeights reads the same values`, async () => {
      const q = quantizeWeights(specs, data, mode);
      expect(q.data.byteLength).toBe(values.length * (mode === 'float16' ? 2 : 1));
      const back = dequantizeWeights(q.specs, q.data);
      expect(back.specs).toEqual(specs);
      const got = new Float32Array(back.data);
      let worst = 0;
      let offset = 0;
      q.specs.forEach((spec) => {
        const n = spec.shape.reduce((a, b) => a * b, 1);
        for (let i = offset; i < offset + n; i++) {
          const err = Math.abs(got[i] - values[i]);
          expect(err, `${spec.name}[${i - offset}] = ${values[i]}`).toBeLessThanOrEqual(errorBound(spec, values[i]));
          worst = Math.max(worst, err / Math.max(1e-3, Math.abs(values[i])));
        }
        offset += n;
      });
      // The stated bounds are tight enough to mean something:
      if (mode === 'float16') expect(worst).toBeLessThan(2 ** -10);
      else {
        // 8-bit steps are 1/255 of each tensor's own range
        offset = 0;
        for (const spec of q.specs) {
          const own = values.subarray(offset, (offset += spec.shape.reduce((a, b) => a * b, 1)));
          const range = own.length > 1 ? Math.max(...own) - Math.min(...own) : 0;
          expect(spec.quantization!.scale).toBeCloseTo(range > 0 ? range / 255 : 1, 12);
        }
      }
      // Same bytes in tfjs's own decoder.
      const before = tf.memory().numTensors;
      const tensors = tf.io.decodeWeights(q.data.slice().buffer, q.specs);
      offset = 0;
      for (const spec of q.specs) {
        const n = spec.shape.reduce((a, b) => a * b, 1);
        expect(Array.from(await tensors[spec.name].data())).toEqual(Array.from(got.subarray(offset, offset + n)));
        offset += n;
      }
      tf.dispose(Object.values(tensors));
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('refuses NaN, values beyond the float16 range, and data of the wrong length', () => {
    const bad = new Float32Array(values);
    bad[5] = NaN;
    expect(() => quantizeWeights(specs, bad.buffer, 'uint8')).toThrow(/w0.*NaN/);
    const big = new Float32Array(values);
    big[200] = 7e4;
    expect(() => quantizeWeights(specs, big.buffer, 'float16')).toThrow(/float16 range/);
    expect(() => quantizeWeights(specs, big.buffer, 'uint8')).not.toThrow();
    expect(() => quantizeWeights(specs, data.slice(0, 100), 'uint8')).toThrow(/ends inside/);
    const q = quantizeWeights(specs, data, 'uint8');
    expect(() => dequantizeWeights(q.specs, q.data.subarray(1))).toThrow(/bytes but the manifest/);
  });

  it('a real model quantised and loaded back predicts nearly the same disparities', async () => {
    const stereo = buildStereoNet(stereoNetConfig('tiny', { seed: 5 }));
    const single = buildSingleNet(singleNetConfig('tiny', { seed: 6 }));
    const { modelJson, weightData } = await exportModel({ stereo, single });
    const specs0 = modelJson.weightsManifest.flatMap((g) => g.weights);
    const img = (seed: number) => tf.tensor4d(fakeWeights(32 * 64 * 3, seed).map((v) => 0.5 + v), [1, 32, 64, 3]);
    const [l, r] = [img(1), img(2)];
    const refT = tf.tidy(() => stereo.forward(l, r)[0]);
    const ref = Array.from(await refT.data());
    refT.dispose();
    const before = tf.memory().numTensors;
    for (const [mode, tol] of [['float16', { max: 0.15, mean: 0.03 }], ['uint8', { max: 2.5, mean: 0.6 }]] as const) {
      const q = quantizeWeights(specs0, weightData, mode);
      const json = { ...modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: q.specs }] };
      // tfjs reads the quantised manifest directly ...
      const direct = await importModel(json, [q.data.slice().buffer]);
      // ... and our dequantised float32 gives the same networks.
      const back = dequantizeWeights(q.specs, q.data);
      const viaF32 = await importModel({ ...modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: back.specs }] }, [back.data]);
      const a = tf.tidy(() => direct.nets.stereo!.forward(l, r)[0]);
      const b = tf.tidy(() => viaF32.nets.stereo!.forward(l, r)[0]);
      const [da, db] = [Array.from(await a.data()), Array.from(await b.data())];
      expect(da).toEqual(db);
      const maxDiff = da.reduce((m, v, i) => Math.max(m, Math.abs(v - ref[i])), 0);
      const meanDiff = da.reduce((m, v, i) => m + Math.abs(v - ref[i]), 0) / da.length;
      const range = Math.max(...ref) - Math.min(...ref);
      console.log(`${mode}: disparity change mean ${meanDiff.toFixed(4)} px, largest ${maxDiff.toFixed(4)} px (range of the map ${range.toFixed(2)} px)`);
      expect(maxDiff).toBeLessThan(tol.max);
      expect(meanDiff).toBeLessThan(tol.mean);
      tf.dispose([a, b]);
      for (const m of [direct, viaF32]) [m.nets.stereo!, m.nets.single!].forEach((n) => n.dispose());
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([l, r]);
    stereo.dispose();
    single.dispose();
  });
});
