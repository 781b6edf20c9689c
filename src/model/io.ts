// Saving and loading the networks' weights (tfjs weights manifest + binary shards). The format
// itself, and the checks that need no tfjs, are in ./format.ts.
import * as tf from '@tensorflow/tfjs';
import { FORMAT_VERSION, MODEL_FORMAT, ModelFormatError, manifestBytes, parseModelJson, type ModelJson } from './format';
import { buildSingleNet, type SingleNet } from './singleNet';
import { buildStereoNet, type StereoNet } from './stereoNet';

export * from './format';

export interface Networks {
  stereo?: StereoNet;
  single?: SingleNet;
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

/**
 * Encodes the networks' weights into one binary shard and its model.json. The weights are
 * snapshotted synchronously first, so a training step that runs while they are read back
 * (between the awaits) cannot mix two steps' weights into one checkpoint.
 */
export async function exportModel(nets: Networks, metadata: Record<string, unknown> = {}, shardName = 'weights.bin'): Promise<{ modelJson: ModelJson; weightData: ArrayBuffer }> {
  const snapshot: tf.NamedTensorMap = {};
  for (const [name, v] of Object.entries(named(nets))) snapshot[name] = tf.clone(v);
  let encoded: Awaited<ReturnType<typeof tf.io.encodeWeights>>;
  try {
    encoded = await tf.io.encodeWeights(snapshot);
  } finally {
    tf.dispose(Object.values(snapshot));
  }
  const { data, specs } = encoded;
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

/**
 * Rebuilds the networks of a model from its model.json and its weight shards (in manifest
 * order), checking that every weight is present, has the shape the config implies, is finite,
 * and that nothing is left over. On any problem nothing is kept and ModelFormatError is thrown.
 */
export async function importModel(json: unknown, shards: ArrayBuffer[]): Promise<{ nets: Networks; modelJson: ModelJson }> {
  const modelJson = parseModelJson(json);
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights);
  const expectedBytes = manifestBytes(modelJson.weightsManifest);
  const buffer = tf.io.concatenateArrayBuffers(shards);
  if (buffer.byteLength !== expectedBytes) {
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
