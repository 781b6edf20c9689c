import * as tf from '@tensorflow/tfjs';
import type { SingleNetConfig, StereoNetConfig } from './config';
import { stereoNetConfig, singleNetConfig } from './config';
import { buildSingleNet, type SingleNet } from './singleNet';
import { buildStereoNet, type StereoNet } from './stereoNet';

/** Identifies our model.json files; bump FORMAT_VERSION on any incompatible change. */
export const MODEL_FORMAT = 'reciprocal-depth';
export const FORMAT_VERSION = 1;

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
  weightsManifest: tf.io.WeightsManifestConfig;
  userDefinedMetadata: { networks: SavedNetworks; [key: string]: unknown };
}

export interface Networks {
  stereo?: StereoNet;
  single?: SingleNet;
}

/** A saved model that cannot be used; the message says what is wrong. */
export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

/** Weight names in a manifest: "<network>/<layer>/<kernel|bias>". */
function named(nets: Networks): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const [key, net] of Object.entries(nets) as [keyof Networks, StereoNet | SingleNet | undefined][]) {
    if (!net) continue;
    for (const [name, v] of net.params.vars) out[`${key}/${name}`] = v;
  }
  return out;
}

/** Encodes the networks' weights into one binary shard and its model.json. */
export async function exportModel(nets: Networks, metadata: Record<string, unknown> = {}, shardName = 'weights.bin'): Promise<{ modelJson: ModelJson; weightData: ArrayBuffer }> {
  const { data, specs } = await tf.io.encodeWeights(named(nets));
  const weightData = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
  return {
    modelJson: {
      format: MODEL_FORMAT,
      formatVersion: FORMAT_VERSION,
      generatedBy: `reciprocal-depth, tfjs ${tf.version.tfjs}`,
      weightsManifest: [{ paths: [shardName], weights: specs }],
      userDefinedMetadata: { ...metadata, networks: { stereo: nets.stereo?.config, single: nets.single?.config } },
    },
    weightData,
  };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Rebuilds a config from its preset and the saved fields, refusing unknown kinds and wrong types. */
function checkConfig<T extends StereoNetConfig | SingleNetConfig>(raw: unknown, kind: T['kind']): T {
  if (!isObject(raw) || raw.kind !== kind) throw new ModelFormatError(`model.json: networks.${kind} must be a ${kind} network config`);
  const preset = raw.preset === 'tiny' ? 'tiny' : 'default';
  const template = (kind === 'stereo' ? stereoNetConfig(preset) : singleNetConfig(preset)) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(template)) {
    const got = raw[key];
    const ok = Array.isArray(value)
      ? Array.isArray(got) && got.length === value.length && got.every((v) => Number.isInteger(v) && v > 0 && v <= 4096)
      : typeof got === typeof value && (typeof got !== 'number' || Number.isFinite(got));
    if (!ok) throw new ModelFormatError(`model.json: networks.${kind}.${key} is missing or invalid (got ${JSON.stringify(got)})`);
  }
  return raw as unknown as T;
}

/**
 * Checks a parsed model.json (format, version, configs, manifest) and returns it typed.
 * Throws ModelFormatError naming the problem.
 */
export function parseModelJson(json: unknown): ModelJson {
  if (!isObject(json)) throw new ModelFormatError('model.json is not a JSON object');
  if (json.format !== MODEL_FORMAT) throw new ModelFormatError(`model.json is not a ${MODEL_FORMAT} model (format: ${JSON.stringify(json.format)})`);
  if (json.formatVersion !== FORMAT_VERSION) {
    throw new ModelFormatError(`model.json has format version ${JSON.stringify(json.formatVersion)}; this app reads version ${FORMAT_VERSION}`);
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest) || !manifest.every((g) => isObject(g) && Array.isArray(g.paths) && Array.isArray(g.weights))) {
    throw new ModelFormatError('model.json: weightsManifest must be a list of {paths, weights} groups');
  }
  const meta = json.userDefinedMetadata;
  if (!isObject(meta) || !isObject(meta.networks)) throw new ModelFormatError('model.json: userDefinedMetadata.networks is missing');
  const networks: SavedNetworks = {};
  if (meta.networks.stereo !== undefined) networks.stereo = checkConfig<StereoNetConfig>(meta.networks.stereo, 'stereo');
  if (meta.networks.single !== undefined) networks.single = checkConfig<SingleNetConfig>(meta.networks.single, 'single');
  if (!networks.stereo && !networks.single) throw new ModelFormatError('model.json holds no network');
  return { ...(json as unknown as ModelJson), userDefinedMetadata: { ...meta, networks } };
}

/**
 * Rebuilds the networks of a model from its model.json and its weight shards (in manifest
 * order), checking that every weight is present, has the shape the config implies, is finite,
 * and that nothing is left over. On any problem nothing is kept and ModelFormatError is thrown.
 */
export async function importModel(json: unknown, shards: ArrayBuffer[]): Promise<{ nets: Networks; modelJson: ModelJson }> {
  const modelJson = parseModelJson(json);
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const expectedBytes = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1) * (s.dtype === 'float32' || s.dtype === 'int32' ? 4 : 1), 0);
  const buffer = tf.io.concatenateArrayBuffers(shards);
  if (specs.some((s) => s.quantization === undefined && s.dtype !== 'float32')) throw new ModelFormatError('weights must be float32 (or quantized float32)');
  if (specs.every((s) => !s.quantization) && buffer.byteLength !== expectedBytes) {
    throw new ModelFormatError(`weight data is ${buffer.byteLength} bytes but the manifest describes ${expectedBytes}`);
  }
  let tensors: tf.NamedTensorMap;
  try {
    tensors = tf.io.decodeWeights(buffer, specs);
  } catch (e) {
    throw new ModelFormatError(`weight data does not match the manifest: ${(e as Error).message}`);
  }
  const nets: Networks = {};
  try {
    const cfg = modelJson.userDefinedMetadata.networks;
    if (cfg.stereo) nets.stereo = buildStereoNet(cfg.stereo);
    if (cfg.single) nets.single = buildSingleNet(cfg.single);
    const targets = named(nets);
    for (const name of Object.keys(tensors)) if (!(name in targets)) throw new ModelFormatError(`weight "${name}" is not part of the configured networks`);
    for (const [name, v] of Object.entries(targets)) {
      const t = tensors[name];
      if (!t) throw new ModelFormatError(`weight "${name}" is missing`);
      if (t.shape.join('x') !== v.shape.join('x')) throw new ModelFormatError(`weight "${name}" has shape [${t.shape}], the config needs [${v.shape}]`);
      const allFinite = tf.tidy(() => tf.all(tf.isFinite(t)));
      const finite = (await allFinite.data())[0];
      allFinite.dispose();
      if (!finite) throw new ModelFormatError(`weight "${name}" contains NaN or infinite values`);
    }
    for (const [name, v] of Object.entries(targets)) (v as tf.Variable).assign(tensors[name]);
    return { nets, modelJson };
  } catch (e) {
    nets.stereo?.dispose();
    nets.single?.dispose();
    throw e;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
