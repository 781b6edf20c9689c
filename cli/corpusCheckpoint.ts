// A corpus run's checkpoint, beside its weights (model.json + weights.bin, written by the caller):
// where the run stands (run-state.json) and Adam's moments (optimizer.bin), so a later run continues
// exactly where this one stopped: the crops of a step depend on the seed and the step alone, and
// with the moments restored the continued run ends where an uninterrupted one does
// (cli/corpus.test.ts, "continued from its checkpoint").
import type * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageName, TrainSettings } from '../src/config/settings';
import type { AdamState } from '../src/core/adam';
import type { Params } from '../src/model/layers';

/** Where a corpus run stands, saved beside its weights. */
export interface CorpusRunState {
  stage: StageName;
  /** Steps done in this stage. */
  step: number;
  /** The stage's length in steps (its schedules depend on it). */
  steps: number;
  settings: TrainSettings;
}

/**
 * Logical weight names of a network's variables, both ways. Adam keys its moments by tfjs's
 * variable names, which differ from process to process; the checkpoint keys them by the logical
 * names the weights file uses, so a fresh process can find them.
 */
export function nameMaps(params: Params): { logical: (v: string) => string; variable: (k: string) => tf.Variable } {
  const byVar = new Map([...params.vars].map(([k, v]) => [v.name, k]));
  return {
    logical: (v) => {
      const k = byVar.get(v);
      if (!k) throw new Error(`no logical name for variable ${v}`);
      return k;
    },
    variable: (k) => params.get(k),
  };
}

/** Adam's state as one binary file plus its index (key, length) in JSON. */
export function packAdam(state: AdamState): { json: { t: number; keys: [string, number][] }; bin: Uint8Array } {
  const keys: [string, number][] = Object.entries(state.moments).map(([k, { m }]) => [k, m.length]);
  const total = keys.reduce((n, [, len]) => n + 2 * len, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const [k, len] of keys) {
    all.set(state.moments[k].m, o);
    all.set(state.moments[k].v, o + len);
    o += 2 * len;
  }
  return { json: { t: state.t, keys }, bin: new Uint8Array(all.buffer) };
}

export function unpackAdam(json: { t: number; keys: [string, number][] }, bin: Uint8Array): AdamState {
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const moments: AdamState['moments'] = {};
  let o = 0;
  for (const [k, len] of json.keys) {
    moments[k] = { m: all.slice(o, o + len), v: all.slice(o + len, o + 2 * len) };
    o += 2 * len;
  }
  if (o !== all.length) throw new Error(`optimizer.bin holds ${all.length} values, its index ${o}`);
  return { t: json.t, moments };
}

/** Writes a file by way of a temporary one, so a run killed while saving leaves the old checkpoint whole. */
export async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

export async function saveRunState(dir: string, state: CorpusRunState, adam: AdamState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const packed = packAdam(adam);
  await writeAtomic(join(dir, 'optimizer.bin'), packed.bin);
  await writeAtomic(join(dir, 'run-state.json'), JSON.stringify({ ...state, optimizer: packed.json }, null, 1));
}

export async function loadRunState(dir: string): Promise<{ state: CorpusRunState; adam: AdamState } | undefined> {
  const file = join(dir, 'run-state.json');
  if (!existsSync(file)) return undefined;
  const raw = JSON.parse(await readFile(file, 'utf8')) as CorpusRunState & { optimizer: { t: number; keys: [string, number][] } };
  const bin = new Uint8Array(await readFile(join(dir, 'optimizer.bin')));
  const { optimizer, ...state } = raw;
  return { state, adam: unpackAdam(optimizer, bin) };
}
