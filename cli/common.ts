// Shared pieces of the headless entry points: the tfjs backend for Node, argument parsing
// driven by the settings table, scene loading and model files on disk.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { parseSetting, SETTINGS, validateSettings, type TrainSettings } from '../src/config/settings';
import { registerCpuKernels } from '../src/backends/cpu';
import { registerFastWasmKernels, registerWasmConv } from '../src/backends/wasm';
import { findPair, listSceneDirs, loadSceneDir } from '../src/data/node';
import { importModel, type ModelJson, type Networks } from '../src/model/io';
import type { TrainScene } from '../src/train/types';
import { MAX_WASM_THREADS, planWasmThreads, type StepSize, type WasmThreadPlan } from '../src/train/wasmThreads';
import { registerThreadedNodeWasm } from './nodeWasmThreads';
import { registerNodeWebGPU } from './nodeWebgpu';

/**
 * Ends the process once stdout has taken everything written so far (a pipe's writes are
 * asynchronous). The CLI exits explicitly: the threaded wasm backend's pthread workers would keep
 * Node alive after main returns.
 */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

/** Runs a CLI entry point: exits 0 once stdout is flushed, or prints `<name>: <message>` and exits 1. */
export function runCli(name: string, main: () => Promise<void>): void {
  main().then(
    () => exitWhenFlushed(0),
    (e: unknown) => {
      console.error(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.RD_STACK) console.error(e);
      process.exit(1);
    },
  );
}

/** Prints the wasm thread count and why, when the CLI runs on wasm. */
export function logWasmThreads(backend: string): void {
  if (backend === 'wasm' && wasmThreadInfo) console.log(`wasm threads: ${wasmThreadInfo.threads} (${wasmThreadInfo.note})`);
}

/** How many threads the CLI's wasm backend got, and why (after `useNodeBackend('wasm')`). */
let wasmThreadInfo: WasmThreadPlan | undefined;
export function nodeWasmThreads(): WasmThreadPlan | undefined {
  return wasmThreadInfo;
}

/** `--threads` as a number; undefined when absent. */
export function threadsFlag(flags: Map<string, string>): number | undefined {
  const v = flags.get('threads');
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS) throw new Error(`--threads must be a whole number from 1 to ${MAX_WASM_THREADS}; got "${v}"`);
  return n;
}

/**
 * The fastest tfjs backend that works in Node on a machine without a GPU: WebAssembly with
 * SIMD. Measured here: ~25x faster than the pure-JS cpu backend. Its threads follow the app's
 * rule for a run that trains `step` (src/train/wasmThreads.ts: both cores of a 2-core machine
 * for a default-size step, else tfjs' half the cores), or `threads` (--threads N); more than one
 * starts tfjs' threaded build (cli/nodeWasmThreads.ts). 'webgpu' runs on a GPU through Dawn
 * (cli/nodeWebgpu.ts).
 */
export async function useNodeBackend(name = process.env.RD_BACKEND ?? 'wasm', wasm: { threads?: number; step?: StepSize } = {}): Promise<string> {
  if (!['wasm', 'webgpu', 'cpu'].includes(name)) throw new Error(`--backend must be wasm, webgpu (a GPU, through Dawn) or cpu; got "${name}"`);
  // Every CLI entry point gets the faster wasm copies (src/backends/wasm/copyKernels.ts) and the conv layer's own
  // kernels (src/core/conv.ts: our SIMD kernels on wasm, plain-convolution gradients on cpu); those that train (train,
  // bench) also register the correlation and warp loops (registerWasmKernels), which eval and the step check do not.
  registerFastWasmKernels();
  registerWasmConv();
  registerCpuKernels();
  if (name === 'webgpu') await registerNodeWebGPU();
  if (name === 'wasm') {
    const plan = planWasmThreads(cpus().length, wasm.threads, wasm.step, '--threads ');
    const threads = plan.threads > 1 ? await registerThreadedNodeWasm(plan.threads) : 1;
    wasmThreadInfo = { threads, note: plan.note };
  }
  // tfjs prints an advertisement for tfjs-node on first use in Node; we do not use it.
  const warn = console.warn;
  console.warn = (...a: unknown[]) => {
    if (!String(a[0]).includes('tfjs-node')) warn(...a);
  };
  const log = console.log;
  console.log = (...a: unknown[]) => {
    if (!String(a[0]).includes('Hi there')) log(...a);
  };
  const ok = await tf.setBackend(name);
  console.warn = warn;
  console.log = log;
  if (!ok || tf.getBackend() !== name) throw new Error(`could not start the tfjs "${name}" backend in Node`);
  return name;
}

export interface ParsedArgs {
  flags: Map<string, string>;
  bools: Set<string>;
}

/** --key value and --key=value pairs; bare --flag is a boolean. */
export function parseArgs(argv: string[], booleans: readonly string[]): ParsedArgs {
  const flags = new Map<string, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (options start with --)`);
    const [k, inline] = a.slice(2).split('=', 2);
    if (booleans.includes(k)) {
      bools.add(k);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    flags.set(k, v);
  }
  return { flags, bools };
}

/**
 * The training settings saved in `<dir>/model.json` (a model brings the settings it was trained with,
 * as in the app), only the keys the settings table still has; {} when there are none.
 */
export async function modelSettings(dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new Error(`no model.json in "${dir}"`);
  const saved = (JSON.parse(await readFile(path, 'utf8')) as { userDefinedMetadata?: { settings?: Record<string, unknown> } }).userDefinedMetadata?.settings ?? {};
  return Object.fromEntries(SETTINGS.filter((s) => s.key in saved).map((s) => [s.key, saved[s.key]]));
}

/**
 * Settings from the table's own keys (--lrStereo 1e-3 ...) plus the short forms the README lists,
 * over `base` (a loaded model's settings), over the defaults.
 */
export function settingsFromArgs(flags: Map<string, string>, known: readonly string[], base: Record<string, unknown> = {}): TrainSettings {
  const partial: Record<string, unknown> = { ...base };
  const errors: string[] = [];
  for (const [k, text] of flags) {
    if (known.includes(k)) continue;
    const spec = SETTINGS.find((s) => s.key === k);
    if (!spec) {
      errors.push(`unknown option --${k}`);
      continue;
    }
    const v = parseSetting(spec, text);
    if (v === undefined) errors.push(`--${k}: cannot read "${text}"`);
    else partial[k] = v;
  }
  const size = flags.get('size');
  if (size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (!m) errors.push(`--size must look like 256x128, got "${size}"`);
    else [partial.width, partial.height] = [Number(m[1]), Number(m[2])];
  }
  const steps = flags.get('steps');
  if (steps !== undefined) for (const k of ['stepsStereo', 'stepsDistill', 'stepsFuse']) partial[k] ??= Number(steps);
  if (flags.has('preset')) partial.preset = flags.get('preset');
  if (flags.has('seed')) partial.seed = Number(flags.get('seed'));
  const r = validateSettings(partial);
  errors.push(...r.errors);
  if (errors.length) throw new Error(errors.join('\n'));
  return r.settings;
}

/**
 * Loads one scene folder, or every scene folder under a root (a folder that holds a pair itself, by
 * src/data/node.ts findPair, is one scene). `gtScale` sets the scale of PNG / PGM ground truth. With
 * `metricsOptional` (training: GT only feeds the metrics), a scene whose GT scale is unknown is loaded
 * without GT and `log` says so; otherwise that is an error naming the file.
 */
export async function loadScenes(dir: string, opts: { gtScale?: number; metricsOptional?: boolean; log?: (line: string) => void } = {}): Promise<TrainScene[]> {
  if (!existsSync(dir)) throw new Error(`--scenes: no such folder "${dir}"`);
  const isScene = findPair(await readdir(dir)) !== undefined;
  const dirs = isScene ? [dir] : await listSceneDirs(dir);
  if (dirs.length === 0) throw new Error(`--scenes: "${dir}" holds no scene folder with left and right images`);
  const scenes: TrainScene[] = [];
  const log = opts.log ?? ((line: string) => console.error(line));
  for (const d of dirs) {
    const s = await loadSceneDir(d, { gtScale: opts.gtScale, ...(opts.metricsOptional ? { onUnknownGtScale: log } : {}) });
    const name = basename(d);
    scenes.push({ id: name, name, width: s.width, height: s.height, leftImg: s.leftImg.data, rightImg: s.rightImg.data, gtDisp: s.gtDisp?.data, nonOccMask: s.nonOccMask });
  }
  return scenes;
}

/** --gtScale <s>: the scale of PNG / PGM ground truth (disparity = stored value / s), undefined when not given. */
export function gtScaleFlag(flags: Map<string, string>): number | undefined {
  const text = flags.get('gtScale');
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`--gtScale must be a positive number (disparity = stored value / scale; 256 for KITTI PNGs), got "${text}"`);
  return v;
}

export async function saveModel(dir: string, model: { modelJson: unknown; weightData: ArrayBuffer }): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), JSON.stringify(model.modelJson, null, 1));
  const shard = (model.modelJson as ModelJson).weightsManifest[0].paths[0];
  await writeFile(join(dir, shard), new Uint8Array(model.weightData));
}

export async function loadModel(dir: string): Promise<{ nets: Networks; modelJson: ModelJson }> {
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new Error(`no model.json in "${dir}"`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path} is not JSON: ${(e as Error).message}`);
  }
  const paths = (json as { weightsManifest?: { paths?: string[] }[] }).weightsManifest?.flatMap((g) => g.paths ?? []) ?? [];
  const shards = await Promise.all(paths.map(async (p) => {
    const b = await readFile(join(dir, p));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }));
  return importModel(json, shards);
}

/** A one-line progress bar with ETA on stderr (a line every 5% when stderr is not a terminal). */
export class Progress {
  private lastPct = -1;
  constructor(private readonly label: string, private readonly total: number) {}

  update(done: number, etaSec: number, extra: string): void {
    const pct = Math.floor((100 * done) / Math.max(1, this.total));
    const bar = '#'.repeat(Math.round(pct / 5)).padEnd(20, '.');
    const eta = Number.isFinite(etaSec) ? `${Math.floor(etaSec / 60)}m${String(Math.round(etaSec % 60)).padStart(2, '0')}s` : '?';
    const line = `${this.label} [${bar}] ${done}/${this.total} ETA ${eta} ${extra}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(110)}`);
    else if (pct >= this.lastPct + 5 || done === this.total) process.stderr.write(`${line}\n`);
    if (pct >= this.lastPct + 5) this.lastPct = pct;
    if (done === this.total && process.stderr.isTTY) process.stderr.write('\n');
  }
}
