// A whole model inside a link: `#w=<base64url>` holds the model.json and its weights, quantised
// (./quantize.ts) and deflate-compressed (fflate), so a small model can be shared with no server.
//
// Layout before compression: "RD1", the header length (uint32, little-endian), the header (UTF-8
// JSON: { model: model.json with quantised manifest entries, planes }), then the weight bytes.
// With float16 the bytes are stored as two planes (all low bytes, then all high bytes), which
// deflate compresses about 5% better than interleaved halves.
import { deflateSync, inflateSync } from 'fflate';
import { ModelFormatError, manifestBytes, parseModelJson, type ModelJson } from '../model/format';
import { dequantizeWeights, quantizeWeights, type QuantMode } from './quantize';

/** Longest `#w=` fragment we make or read, in characters (256 KiB). */
export const MAX_FRAGMENT_CHARS = 256 * 1024;
/** Most bytes a fragment may inflate to (a guard against deflate bombs). */
export const MAX_INFLATED_BYTES = 8 * 1024 * 1024;
/** The fragment parameter that holds the model. */
export const FRAGMENT_PARAM = 'w';

const MAGIC = [0x52, 0x44, 0x31]; // "RD1"

export interface FragmentModel {
  modelJson: ModelJson;
  /** float32 weights in manifest order. */
  weightData: ArrayBuffer;
}

/** Bytes to base64url (RFC 4648 §5, no padding). */
export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** base64url to bytes; throws ModelFormatError on characters outside the alphabet. */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new ModelFormatError('the link\'s model data is damaged (characters outside base64url); was it cut or changed?');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  let bin: string;
  try {
    bin = atob(padded);
  } catch {
    throw new ModelFormatError('the link\'s model data is damaged (not valid base64url); was it cut?');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Splits 2-byte values into two byte planes (and back, with `inverse`). */
function planes(data: Uint8Array, inverse = false): Uint8Array {
  const n = data.length >> 1;
  const out = new Uint8Array(data.length);
  for (let i = 0; i < n; i++) {
    if (inverse) [out[2 * i], out[2 * i + 1]] = [data[i], data[n + i]];
    else [out[i], out[n + i]] = [data[2 * i], data[2 * i + 1]];
  }
  return out;
}

/** The fragment text (without `#w=`) of a model at the given precision. */
export function encodeModelFragment(modelJson: ModelJson, weightData: ArrayBuffer, mode: QuantMode): string {
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const q = quantizeWeights(specs, weightData, mode);
  const planeCount = mode === 'float16' ? 2 : 1;
  const header = new TextEncoder().encode(JSON.stringify({ model: { ...modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: q.specs }] }, planes: planeCount }));
  const body = new Uint8Array(MAGIC.length + 4 + header.length + q.data.length);
  body.set(MAGIC, 0);
  new DataView(body.buffer).setUint32(MAGIC.length, header.length, true);
  body.set(header, MAGIC.length + 4);
  body.set(planeCount === 2 ? planes(q.data) : q.data, MAGIC.length + 4 + header.length);
  return toBase64Url(deflateSync(body, { level: 9 }));
}

/**
 * The best-precision fragment that fits MAX_FRAGMENT_CHARS: float16 if it fits, else 8-bit.
 * Returns the mode used, or `tooLarge` with the 8-bit length when neither fits.
 */
export function shareFragment(modelJson: ModelJson, weightData: ArrayBuffer): { text: string; mode: QuantMode } | { tooLarge: number } {
  let smallest = Infinity;
  for (const mode of ['float16', 'uint8'] as const) {
    const text = encodeModelFragment(modelJson, weightData, mode);
    if (text.length <= MAX_FRAGMENT_CHARS) return { text, mode };
    smallest = Math.min(smallest, text.length);
  }
  return { tooLarge: smallest };
}

/** Reads a fragment made by encodeModelFragment: the model.json and float32 weights, checked. */
export function decodeModelFragment(text: string): FragmentModel {
  if (text.length > MAX_FRAGMENT_CHARS) throw new ModelFormatError(`the link's model data is ${text.length} characters; at most ${MAX_FRAGMENT_CHARS} are read`);
  const packed = fromBase64Url(text);
  let body: Uint8Array;
  try {
    // With an output buffer, fflate stops at its end: one byte over the limit means "too large".
    body = inflateSync(packed, { out: new Uint8Array(MAX_INFLATED_BYTES + 1) });
  } catch (e) {
    throw new ModelFormatError(`the link's model data does not decompress (${(e as Error).message}); was it cut?`);
  }
  if (body.length > MAX_INFLATED_BYTES) throw new ModelFormatError(`the link's model data unpacks to more than ${MAX_INFLATED_BYTES} bytes`);
  if (body.length < MAGIC.length + 4 || MAGIC.some((b, i) => body[i] !== b)) throw new ModelFormatError('the link holds no reciprocal-depth model (or one in a newer layout)');
  const headerLength = new DataView(body.buffer, body.byteOffset).getUint32(MAGIC.length, true);
  const dataStart = MAGIC.length + 4 + headerLength;
  if (dataStart > body.length) throw new ModelFormatError('the link\'s model data is cut short');
  let header: { model?: unknown; planes?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(body.subarray(MAGIC.length + 4, dataStart))) as typeof header;
  } catch {
    throw new ModelFormatError('the link\'s model description is not JSON');
  }
  const modelJson = parseModelJson(header.model);
  const stored = body.slice(dataStart);
  if (stored.length !== manifestBytes(modelJson.weightsManifest)) {
    throw new ModelFormatError(`the link holds ${stored.length} bytes of weights but its manifest describes ${manifestBytes(modelJson.weightsManifest)}`);
  }
  if (header.planes === 2 && stored.length % 2 !== 0) throw new ModelFormatError('the link\'s float16 weights have an odd byte count');
  const data = header.planes === 2 ? planes(stored, true) : stored;
  const plain = dequantizeWeights(modelJson.weightsManifest.flatMap((g) => g.weights), data);
  return { modelJson: { ...modelJson, weightsManifest: [{ paths: ['weights.bin'], weights: plain.specs }] }, weightData: plain.data };
}
