// Weight quantisation in the tfjs weights-manifest conventions, without tfjs: float16 (IEEE half,
// round to nearest even) or 8-bit affine per tensor (value = q * scale + min, q in 0..255), so
// tf.io.decodeWeights reads the same bytes. Used to make share links small.
import type { WeightSpec } from '../model/format';
import { ModelFormatError, storedBytes } from '../model/format';
import { concatBytes } from '../util/bytes';

export type QuantMode = 'float16' | 'uint8';

/** Largest finite float16. */
export const FLOAT16_MAX = 65504;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bits nearest to `v` (ties to even). NaN stays NaN, overflow becomes Infinity. */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // subnormal half: the implicit 1 becomes explicit and the mantissa shifts right
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // a carry rolls into the exponent, as it should
  return half;
}

/** The value of float16 bits. */
export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m !== 0 ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Largest error quantisation may make on `v`: float16 keeps 11 significant bits (relative
 * error 2^-11, and 2^-25 absolute below the normal range); 8-bit is within half a step.
 */
export function errorBound(spec: WeightSpec, v: number): number {
  const q = spec.quantization;
  if (q === undefined) return 0;
  if (q.dtype === 'float16') return Math.abs(v) * 2 ** -11 + 2 ** -25;
  return (q.scale ?? 0) / 2 + Math.abs(v) * 2 ** -23;
}

/**
 * Quantises float32 weights (laid out as the manifest entries `specs`, in order) to float16 or
 * 8-bit. Returns the new entries (with their `quantization`) and the bytes. Non-finite weights,
 * and values beyond the float16 range in float16 mode, are refused.
 */
export function quantizeWeights(specs: readonly WeightSpec[], data: ArrayBuffer, mode: QuantMode): { specs: WeightSpec[]; data: Uint8Array } {
  const outSpecs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) throw new ModelFormatError(`weight "${spec.name}" is not plain float32`);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(data.slice(offset, offset + 4 * n));
    offset += 4 * n;
    if (values.length !== n) throw new ModelFormatError(`weight data ends inside "${spec.name}"`);
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (!Number.isFinite(v)) throw new ModelFormatError(`weight "${spec.name}" contains NaN or infinite values`);
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (n === 0) [min, max] = [0, 0];
    if (mode === 'float16') {
      if (Math.max(-min, max) > FLOAT16_MAX) throw new ModelFormatError(`weight "${spec.name}" has values beyond the float16 range (±${FLOAT16_MAX})`);
      const bits = new Uint16Array(n);
      for (let i = 0; i < n; i++) bits[i] = toFloat16Bits(values[i]);
      parts.push(new Uint8Array(littleEndian16(bits)));
      outSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      const scale = max > min ? (max - min) / 255 : 1;
      const q = new Uint8Array(n);
      for (let i = 0; i < n; i++) q[i] = Math.min(255, Math.max(0, Math.round((values[i] - min) / scale)));
      parts.push(q);
      outSpecs.push({ ...spec, quantization: { dtype: 'uint8', scale, min } });
    }
  }
  if (offset !== data.byteLength) throw new ModelFormatError(`weight data is ${data.byteLength} bytes but the manifest describes ${offset}`);
  return { specs: outSpecs, data: concatBytes(parts) };
}

/** The inverse: float32 entries (no `quantization`) and their bytes, from quantised ones. */
export function dequantizeWeights(specs: readonly WeightSpec[], data: Uint8Array): { specs: WeightSpec[]; data: ArrayBuffer } {
  const total = specs.reduce((n, s) => n + storedBytes(s), 0);
  if (data.byteLength !== total) throw new ModelFormatError(`weight data is ${data.byteLength} bytes but the manifest describes ${total}`);
  const n = specs.reduce((k, s) => k + s.shape.reduce((a, b) => a * b, 1), 0);
  const out = new Float32Array(n);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let src = 0;
  let dst = 0;
  const outSpecs: WeightSpec[] = [];
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    if (q === undefined) {
      for (let i = 0; i < count; i++) out[dst + i] = view.getFloat32(src + 4 * i, true);
    } else if (q.dtype === 'float16') {
      for (let i = 0; i < count; i++) out[dst + i] = fromFloat16Bits(view.getUint16(src + 2 * i, true));
    } else if (q.dtype === 'uint8') {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < count; i++) out[dst + i] = view.getUint8(src + i) * scale + min;
    } else {
      throw new ModelFormatError(`weight "${spec.name}": ${q.dtype} quantisation is not read here`);
    }
    src += storedBytes(spec);
    dst += count;
    const plain: WeightSpec = { name: spec.name, shape: spec.shape, dtype: 'float32' };
    outSpecs.push(plain);
  }
  return { specs: outSpecs, data: out.buffer };
}

/** The bytes of 16-bit values in little-endian order (the manifest's byte order). */
function littleEndian16(bits: Uint16Array): ArrayBuffer {
  const out = new DataView(new ArrayBuffer(bits.length * 2));
  bits.forEach((b, i) => out.setUint16(2 * i, b, true));
  return out.buffer;
}

