/**
 * Benchmark of the Node path (the CLI): the benchmark core's measurement (src/bench/core.ts, the same as
 * `npm run bench:browser`'s): ms per training step of each stage (median, min, max of --steps timed steps after
 * --warmup untimed ones, the first included), tf.memory() around them, and from one profiled step the kernels,
 * profile entries and (webgpu) dispatches per step, the top kernels and the multiply-adds of every convolution
 * kernel; then inference of both networks at KITTI size. Printed in the core's format (src/bench/report.ts).
 *
 *   npm run bench -- [--backends wasm,webgpu,cpu] [--sizes 256x128,512x256] [--preset default]
 *                    [--steps 10] [--warmup 2] [--budget 60] [--json <file>] [--baseline <git ref>] [--threads N]
 *                    [--stages stereo,distill,fuse] [--tf-flags KEY=VALUE,...] [--no-inference]
 *
 * A size is skipped, with every larger one, when a first step takes more than --budget seconds.
 * `--baseline <ref>` first runs the same benchmark on that commit (a git worktree in the temp
 * folder sharing this node_modules), then this one, and prints both side by side: a
 * before/after on the same machine in the same run.
 *
 * `--tf-flags` sets tfjs environment flags before the run (e.g. the WebGPU backend's
 * WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=64 or WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false), so that a GPU
 * run can compare them (scripts/gpu/run.sh, GPU_FLAG_SWEEP).
 *
 * wasm threads: the app's rule for a run at the first size (src/train/wasmThreads.ts), or
 * --threads N. The browser path is `npm run bench:browser` (cli/bench-browser.ts).
 * Results go in BENCHMARKS.md with the machine and date.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { STAGE_NAMES, type StageName } from '../src/config/settings';
import type { PresetName } from '../src/model';
import { benchStages, messageOf, timeInference } from '../src/bench/core';
import { inferenceTable, inferenceText, ms, rowLine, stepReport } from '../src/bench/report';
import type { BenchBackend, InferenceReport, StageRow } from '../src/bench/types';
import { nativeKernels, registerWasmKernels, waitForNativeHelper } from '../src/backends/wasm';
import { nodeWasmThreads, parseArgs, runCli, threadsFlag, useNodeBackend } from './common';
import { describeAdapter, nodeAdapterInfo, type NodeAdapterInfo } from './nodeWebgpu';

/** Inference as this file reports it, and as commits before the benchmark core did (only the medians, of 3 runs with the first). */
type Inference = Pick<InferenceReport, 'stereoMs' | 'singleMs'> & Partial<InferenceReport>;

/**
 * Runs this benchmark on another commit (a worktree sharing node_modules), one process per size so
 * that a size that kills the wasm module there (the first version ran out of memory at 512x256)
 * is reported and the others still run; returns its rows and inference times.
 */
function runBaseline(ref: string, args: string[], sizes: string[]): { rows: StageRow[]; inference: Record<string, Inference> } {
  const root = resolve(import.meta.dirname, '..');
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `reciprocal-depth-bench-${sha}`);
  if (!existsSync(dir)) execFileSync('git', ['worktree', 'add', '--detach', dir, sha], { cwd: root, stdio: 'inherit' });
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  console.log(`--- baseline: ${ref} (${sha}) in ${dir}`);
  const rows: StageRow[] = [];
  let inference: Record<string, Inference> = {};
  for (const size of sizes) {
    const out = join(dir, `baseline-${size}.json`);
    const r = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'cli/bench.ts', ...args, '--sizes', size, '--json', out], { cwd: dir, stdio: 'inherit' });
    if (r.status === 0 && existsSync(out)) {
      const j = JSON.parse(readFileSync(out, 'utf8'));
      rows.push(...j.rows);
      if (Object.keys(inference).length === 0) inference = j.inference;
    } else {
      for (const stage of STAGE_NAMES) rows.push({ backend: 'wasm', size, stage, skipped: `the baseline process failed (exit ${r.status})` });
    }
  }
  console.log(`--- current: ${execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()} + working tree`);
  return { rows, inference };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const { flags, bools } = parseArgs(argv, ['no-inference']);
  const baselineRef = flags.get('baseline');
  const baseline = baselineRef ? runBaseline(baselineRef, stripFlags(argv, ['baseline', 'json', 'sizes']), (flags.get('sizes') ?? '256x128,512x256').split(',')) : undefined;
  const backends = (flags.get('backends') ?? 'wasm').split(',');
  const sizes = (flags.get('sizes') ?? '256x128,512x256').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const preset = (flags.get('preset') ?? 'default') as PresetName;
  const steps = Number(flags.get('steps') ?? 10);
  const warmup = Number(flags.get('warmup') ?? 2);
  const stages = (flags.get('stages') ?? STAGE_NAMES.join(',')).split(',') as StageName[];
  const unknownStage = stages.find((st) => !STAGE_NAMES.includes(st));
  if (unknownStage) throw new Error(`--stages: "${unknownStage}" is not a stage (${STAGE_NAMES.join(', ')})`);
  const tfFlags = parseTfFlags(flags.get('tf-flags'));
  const budgetMs = Number(flags.get('budget') ?? 60) * 1000;
  const rows: StageRow[] = [];
  const inference: Record<string, InferenceReport> = {};
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`machine: ${machine}; tfjs ${tf.version.tfjs}; preset ${preset}; batch 2; median of ${steps} steps after ${warmup} warm-up${Object.keys(tfFlags).length ? `; tfjs flags ${JSON.stringify(tfFlags)}` : ''}`);
  const adapters: Record<string, NodeAdapterInfo> = {};
  let wasmThreads: number | undefined;
  // the wasm overrides the app's worker trains with (copies, correlation and warp loops)
  registerWasmKernels();
  for (const backend of backends) {
    // wasm threads: the app's rule for a run at the first size (fixed once the module starts), or --threads
    await useNodeBackend(backend, { threads: threadsFlag(flags), step: { preset, width: sizes[0][0], height: sizes[0][1], batch: 2 } });
    for (const [k, v] of Object.entries(tfFlags)) tf.env().set(k, v);
    const threads = nodeWasmThreads();
    if (backend === 'wasm' && threads) {
      wasmThreads = threads.threads;
      console.log(`wasm threads: ${threads.threads} (${threads.note})`);
    }
    if (backend === 'wasm') {
      const helper = await waitForNativeHelper();
      console.log(`wasm convolutions (forward, weight and input gradients): ${nativeKernels() ? `own SIMD kernels, ${helper ? 'with their helper thread' : 'one thread'}` : 'as convolutions (our kernels did not load)'}`);
    }
    const adapter = backend === 'webgpu' ? nodeAdapterInfo() : undefined;
    if (adapter) {
      adapters[backend] = adapter;
      console.log(describeAdapter(adapter));
    }
    await benchStages(backend as BenchBackend, sizes, stages, { preset, steps, warmup, budgetMs }, (row) => {
      rows.push(row);
      console.log(rowLine(row));
    });
    if (backend !== 'cpu' && !bools.has('no-inference')) {
      try {
        inference[backend] = await timeInference(preset, budgetMs);
      } catch (err) {
        inference[backend] = { runs: 0, notes: [`failed: ${messageOf(err)}`] };
      }
      console.log(`${backend} inference at 1242x375: ${inferenceText(inference[backend])}`);
    }
  }
  console.log(`\n${stepReport(rows).join('\n')}`);
  if (Object.keys(inference).length) console.log(`\n${inferenceTable(Object.entries(inference).map(([backend, report]) => ({ backend, report })))}`);
  if (baseline) printComparison(baselineRef!, baseline, rows, inference);
  const json = flags.get('json');
  if (json) await writeFile(json, JSON.stringify({ date: new Date().toISOString(), machine, tfjs: tf.version.tfjs, tfFlags, adapters, wasmThreads, preset, rows, inference, baseline: baseline && { ref: baselineRef, ...baseline } }, null, 1));
}

/**
 * Before -> after by row. Commits before the benchmark core (src/bench/core.ts) printed their tf.profile entries as
 * "kernels" and have no `profileEntries`: against one of them the entries are compared, else the kernels.
 */
function printComparison(ref: string, baseline: ReturnType<typeof runBaseline>, rows: StageRow[], inference: Record<string, InferenceReport>): void {
  const counts = baseline.rows.some((x) => x.stats && x.profileEntries === undefined) ? 'profile entries' : 'kernels';
  console.log(`\nbefore (${ref}) -> after, median ms per step (${counts} per step):`);
  const inf = (x?: Inference) => (x ? `StereoNet ${ms(x.stereoMs)} ms, SingleNet ${ms(x.singleMs)} ms` : '-');
  for (const b of Object.keys(inference)) console.log(`  ${b} inference at 1242x375: ${inf(baseline.inference[b])} -> ${inf(inference[b])}`);
  for (const r of rows) {
    const b = baseline.rows.find((x) => x.backend === r.backend && x.size === r.size && x.stage === r.stage);
    const f = (x?: StageRow) => (x?.stats ? `${x.stats.medianMs.toFixed(0)} ms (${counts === 'kernels' ? x.kernels : (x.profileEntries ?? x.kernels)})` : x?.skipped ? 'skipped' : '-');
    const speedup = b?.stats && r.stats ? ` x${(b.stats.medianMs / r.stats.medianMs).toFixed(2)}` : '';
    console.log(`  ${r.backend} ${r.size} ${r.stage.padEnd(8)} ${f(b)} -> ${f(r)}${speedup}`);
  }
}

/** "KEY=VALUE,..." -> flags, the values as numbers or booleans where they read as one. */
function parseTfFlags(text: string | undefined): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const part of (text ?? '').split(',').filter((x) => x.trim())) {
    const [k, v] = part.split('=');
    if (!k || v === undefined) throw new Error(`--tf-flags: expected KEY=VALUE, got "${part}"`);
    try {
      tf.env().get(k); // throws for a flag tfjs does not know
    } catch {
      throw new Error(`--tf-flags: tfjs has no flag ${k} (the WebGPU ones are named WEBGPU_...)`);
    }
    out[k] = v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return out;
}

/** argv without the named --flags and their values. */
function stripFlags(argv: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2).split('=')[0] : null;
    if (name && names.includes(name)) {
      if (!argv[i].includes('=') && i + 1 < argv.length && !argv[i + 1].startsWith('--')) i++;
      continue;
    }
    out.push(argv[i]);
  }
  return out;
}

runCli('bench', main);
