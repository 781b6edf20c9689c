// A model from files the user picked or dropped: model.json and the weight files it lists,
// matched by name (a download renamed by the browser, e.g. "weights (1).bin", is accepted when
// it is the only one). The same checks as a download: format and version, sizes, byte counts.
import { ModelFormatError, manifestBytes, parseModelJson, type ModelJson } from '../model/format';
import { MAX_MODEL_JSON_BYTES, MAX_WEIGHT_BYTES, ModelLoadError } from './fetchModel';
import { quote } from './modelUrl';

export interface NamedBlob {
  path: string;
  blob: Blob;
}

const baseName = (p: string) => p.split('/').pop() ?? p;

/** Whether a file looks like part of a saved model (model.json or a weight file). */
export function isModelFile(path: string): boolean {
  return /\.(json|bin)$/i.test(path);
}

/** Reads and checks a model from its files; throws ModelLoadError with a message for people. */
export async function readModelFiles(files: readonly NamedBlob[]): Promise<{ modelJson: ModelJson; weightData: ArrayBuffer; name: string }> {
  const jsons = files.filter((f) => /\.json$/i.test(f.path));
  const bins = files.filter((f) => /\.bin$/i.test(f.path));
  if (jsons.length === 0) throw new ModelLoadError(`Choose the model's model.json together with its weight file (weights.bin)${bins.length ? `; got only ${bins.map((b) => baseName(b.path)).join(', ')}` : ''}.`);
  if (jsons.length > 1) throw new ModelLoadError(`Choose one model at a time (got ${jsons.length} .json files: ${jsons.map((j) => baseName(j.path)).join(', ')}).`);
  const json = jsons[0];
  const name = baseName(json.path);
  if (json.blob.size > MAX_MODEL_JSON_BYTES) throw new ModelLoadError(`${name} is larger than ${MAX_MODEL_JSON_BYTES / 1024} KB: not a model.json of this app.`);
  const text = (await json.blob.text()).replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(`${name} is not JSON (${(e as Error).message}); it starts with ${quote(text.slice(0, 40))}.`);
  }
  let modelJson: ModelJson;
  try {
    modelJson = parseModelJson(parsed);
  } catch (e) {
    if (e instanceof ModelFormatError) throw new ModelLoadError(`${name}: ${e.message}.`);
    throw e;
  }
  const total = manifestBytes(modelJson.weightsManifest);
  if (total > MAX_WEIGHT_BYTES) throw new ModelLoadError(`${name} describes ${(total / 1e6).toFixed(1)} MB of weights; this app loads at most ${(MAX_WEIGHT_BYTES / 1e6).toFixed(1)} MB.`);
  const wanted = modelJson.weightsManifest.flatMap((g) => g.paths).map(baseName);
  const shards = wanted.map((w) => bins.find((b) => baseName(b.path) === w) ?? (wanted.length === 1 && bins.length === 1 ? bins[0] : undefined));
  const missing = wanted.filter((_, i) => shards[i] === undefined);
  if (missing.length > 0) throw new ModelLoadError(`${name} needs its weight file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: choose or drop ${missing.length > 1 ? 'them' : 'it'} together with ${name}.`);
  const size = shards.reduce((n, s) => n + s!.blob.size, 0);
  if (size !== total) throw new ModelLoadError(`The weight file${shards.length > 1 ? 's' : ''} ${shards.map((s) => baseName(s!.path)).join(', ')} hold${shards.length > 1 ? '' : 's'} ${size} bytes but ${name} describes ${total}: not the weights of this model.json.`);
  const out = new Uint8Array(total);
  let o = 0;
  for (const s of shards) {
    const bytes = new Uint8Array(await s!.blob.arrayBuffer());
    out.set(bytes, o);
    o += bytes.length;
  }
  return { modelJson, weightData: out.buffer, name };
}
