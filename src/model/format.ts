// The saved-model format, without tfjs: what a model.json must hold and how many bytes its
// weights take. The page checks a model.json with this before it downloads any weights (and
// without loading tfjs); the worker then checks the weights themselves (./io.ts).
import type { io } from '@tensorflow/tfjs';
import type { SingleNetConfig, StereoDesign, StereoNetConfig } from './config';
import { singleNetConfig, STEREO_DESIGNS, stereoNetConfig } from './config';

/** Identifies our model.json files; bump FORMAT_VERSION on any incompatible change. */
export const MODEL_FORMAT = 'reciprocal-depth';
export const FORMAT_VERSION = 1;

/** Most weight shards (binary files) one model.json may list. */
export const MAX_SHARDS = 64;
/** Widest layer a saved config may ask for (the presets use at most 96): the networks are built before their weights are checked. */
export const MAX_CHANNELS = 512;

export interface SavedNetworks {
  stereo?: StereoNetConfig;
  single?: SingleNetConfig;
}

/**
 * model.json: tfjs's standard weights manifest (a JSON manifest plus binary shards) with the
 * network configs and free-form metadata (training settings, stage progress) in
 * userDefinedMetadata, so a saved model rebuilds exactly.
 */
export interface ModelJson {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  generatedBy: string;
  weightsManifest: io.WeightsManifestConfig;
  userDefinedMetadata: { networks: SavedNetworks; [key: string]: unknown };
}

export type WeightSpec = io.WeightsManifestEntry;

/** A saved model that cannot be used; the message says what is wrong. */
export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

function inRange(x: number, range: [number, number] | undefined): boolean {
  return range === undefined || (x >= range[0] && x <= range[1]);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Bytes per stored element: the quantised type when there is one, else the dtype. */
const STORED_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes of one weight as stored in the shards. */
export function storedBytes(spec: WeightSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1) * STORED_BYTES[spec.quantization?.dtype ?? spec.dtype];
}

/** Bytes of all the weights a manifest lists, as stored in its shards. */
export function manifestBytes(manifest: io.WeightsManifestConfig): number {
  return manifest.flatMap((g) => g.weights).reduce((n, s) => n + storedBytes(s), 0);
}

/**
 * Ranges of the numeric config fields: the networks are built from the config before their
 * weights are checked, so a config must not ask for a network that would not fit in memory.
 */
const CONFIG_RANGES: Record<string, [number, number]> = {
  decoder: [1, MAX_CHANNELS],
  refine: [1, MAX_CHANNELS],
  finestLevel: [1, 2],
  coarseRange: [0, 64],
  fineRange: [0, 64],
  maxDisp: [1, 4096],
};

/** Rebuilds a config from its preset and the saved fields, refusing unknown kinds, wrong types and sizes out of range. */
function checkConfig<T extends StereoNetConfig | SingleNetConfig>(raw: unknown, kind: T['kind']): T {
  if (!isObject(raw) || raw.kind !== kind) throw new ModelFormatError(`model.json: networks.${kind} must be a ${kind} network config`);
  const preset = raw.preset === 'tiny' ? 'tiny' : 'default';
  const template = (kind === 'stereo' ? stereoNetConfig(preset) : singleNetConfig(preset)) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(template)) {
    const got = raw[key];
    if (key === 'design') {
      // absent in models saved before the matching design: those regress (StereoNetConfig.design)
      if (got !== undefined && !STEREO_DESIGNS.includes(got as StereoDesign)) throw new ModelFormatError(`model.json: networks.${kind}.design must be ${STEREO_DESIGNS.join(' or ')} (got ${JSON.stringify(got)})`);
      continue;
    }
    const ok = Array.isArray(value)
      ? Array.isArray(got) && got.length === value.length && got.every((v) => Number.isInteger(v) && v > 0 && v <= MAX_CHANNELS)
      : typeof got === typeof value && (typeof got !== 'number' || (Number.isFinite(got) && inRange(got, CONFIG_RANGES[key])));
    if (!ok) throw new ModelFormatError(`model.json: networks.${kind}.${key} is missing or invalid (got ${JSON.stringify(got)})`);
  }
  return raw as unknown as T;
}

/** Checks one manifest entry: a name, a shape of whole numbers, float32 (possibly quantised). */
function checkSpec(raw: unknown, where: string): void {
  if (!isObject(raw) || typeof raw.name !== 'string') throw new ModelFormatError(`model.json: ${where} must have a name`);
  const what = `model.json: weight "${raw.name}"`;
  if (!Array.isArray(raw.shape) || raw.shape.length > 8 || !raw.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 1 << 24)) {
    throw new ModelFormatError(`${what} has an invalid shape ${JSON.stringify(raw.shape)}`);
  }
  if (raw.dtype !== 'float32') throw new ModelFormatError(`${what} is ${JSON.stringify(raw.dtype)}; weights must be float32 (or quantised float32)`);
  const q = raw.quantization;
  if (q === undefined) return;
  if (!isObject(q) || !['uint8', 'uint16', 'float16'].includes(q.dtype as string)) {
    throw new ModelFormatError(`${what} has an unknown quantisation ${JSON.stringify(q)}`);
  }
  if (q.dtype !== 'float16' && !(Number.isFinite(q.scale) && Number.isFinite(q.min))) {
    throw new ModelFormatError(`${what}: ${q.dtype as string} quantisation needs a finite scale and min`);
  }
}

/**
 * Checks a parsed model.json (format, version, configs, manifest entries) and returns it typed.
 * Throws ModelFormatError naming the problem. The weights themselves are checked on import.
 */
export function parseModelJson(json: unknown): ModelJson {
  if (!isObject(json)) throw new ModelFormatError('model.json is not a JSON object');
  if (json.format !== MODEL_FORMAT) throw new ModelFormatError(`model.json is not a ${MODEL_FORMAT} model (format: ${JSON.stringify(json.format)})`);
  if (json.formatVersion !== FORMAT_VERSION) {
    throw new ModelFormatError(`model.json has format version ${JSON.stringify(json.formatVersion)}; this app reads version ${FORMAT_VERSION}`);
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || !manifest.every((g) => isObject(g) && Array.isArray(g.paths) && g.paths.every((p) => typeof p === 'string' && p.length > 0) && Array.isArray(g.weights))) {
    throw new ModelFormatError('model.json: weightsManifest must be a list of {paths, weights} groups');
  }
  const shards = manifest.reduce((n, g) => n + (g.paths as unknown[]).length, 0);
  if (shards > MAX_SHARDS) throw new ModelFormatError(`model.json lists ${shards} weight files; at most ${MAX_SHARDS} are read`);
  manifest.forEach((g, i) => (g.weights as unknown[]).forEach((w, j) => checkSpec(w, `weightsManifest[${i}].weights[${j}]`)));
  const meta = json.userDefinedMetadata;
  if (!isObject(meta) || !isObject(meta.networks)) throw new ModelFormatError('model.json: userDefinedMetadata.networks is missing');
  const networks: SavedNetworks = {};
  if (meta.networks.stereo !== undefined) networks.stereo = checkConfig<StereoNetConfig>(meta.networks.stereo, 'stereo');
  if (meta.networks.single !== undefined) networks.single = checkConfig<SingleNetConfig>(meta.networks.single, 'single');
  if (!networks.stereo && !networks.single) throw new ModelFormatError('model.json holds no network');
  return { ...(json as unknown as ModelJson), userDefinedMetadata: { ...meta, networks } };
}
