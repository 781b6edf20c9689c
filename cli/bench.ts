/**
 * Benchmark of the Node path (the CLI): milliseconds per training step of each stage, inference
 * time of both networks at KITTI size, tf.memory() before and after the timed steps, and the
 * top kernels of one step (tf.profile) with the kernel count.
 *
 *   npm run bench -- [--backends wasm,webgpu,cpu] [--sizes 256x128,512x256] [--preset default]
 *                    [--steps 10] [--warmup 2] [--json <file>] [--baseline <git ref>] [--threads N]
 *                    [--stages stereo,distill,fuse] [--tf-flags KEY=VALUE,...]
 *
 * Multiply-adds per step are counted from the shapes of every convolution kernel of one profiled
 * step (forward and both gradients), so the achieved rate of the convolutions is visible.
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
import { defaultSettings, STAGE_NAMES, type StageName } from '../src/config/settings';
import { buildSingleNet, buildStereoNet, singleNetConfig, stereoNetConfig, type PresetName } from '../src/model';
import { layeredScene } from '../src/testing/scenes';
import { CropSampler, uploadScene } from '../src/train/pipeline';
import { distillStage, fuseStage, stereoStage, type StageUnit } from '../src/train/stages/units';
import { nativeKernels, nativeStats, registerWasmKernels, waitForNativeHelper } from '../src/backends/wasm';
import { nodeWasmThreads, parseArgs, runCli, threadsFlag, useNodeBackend } from './common';
import { describeAdapter, nodeAdapterInfo, type NodeAdapterInfo } from './nodeWebgpu';

interface StepStats { medianMs: number; minMs: number; maxMs: number; steps: number }
interface Row {
  backend: string; size: string; stage: StageName; stats?: StepStats; skipped?: string;
  kernels?: number; topKernels?: { name: string; ms: number; calls: number }[];
  /** Every kernel of the profiled step by name (time summed over its calls). */
  allKernels?: { name: string; ms: number; calls: number }[];
  /** Multiply-adds of the convolution kernels of one step (forward and gradients), and their time. */
  convGMacs?: number; convMs?: number;
  /** wasm: the weight and bias gradients by our own kernel (src/backends/wasm/conv.ts; tf.profile does not see them), per step. */
  nativeGMacs?: number; nativeMs?: number;
  /** wasm: the input gradients by our own kernel, per step (multiply-adds that reach a pixel; not in tf.profile either). */
  nativeInputGMacs?: number; nativeInputMs?: number;
  /** wasm: the forward convolutions by our own kernel, per step. */
  nativeForwardGMacs?: number; nativeForwardMs?: number;
  memory?: { before: { numTensors: number; numBytes: number }; after: { numTensors: number; numBytes: number } };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchStage(stage: StageName, size: [number, number], preset: PresetName, steps: number, warmup: number, budgetMs: number): Promise<Omit<Row, 'backend' | 'size' | 'stage'>> {
  const [W, H] = size;
  const s = { ...defaultSettings(), preset, width: W, height: H, batch: 2, jitter: 0.1, stepsStereo: steps + warmup, maskWarmup: 0 };
  const synth = layeredScene({ H: H + 32, W: W + 64, bg: 6, fg: 18, x0: W / 3, x1: (2 * W) / 3 });
  const scene = { id: 's', name: 'synthetic', width: W + 64, height: H + 32, leftImg: (await synth.leftImg.data()) as Float32Array, rightImg: (await synth.rightImg.data()) as Float32Array };
  tf.dispose(Object.values(synth));
  const st = uploadScene(scene);
  const sampler = new CropSampler([st], s);
  const stereo = buildStereoNet(stereoNetConfig(preset));
  const single = buildSingleNet(singleNetConfig(preset));
  const unit: StageUnit = stage === 'stereo' ? stereoStage(stereo, s) : stage === 'distill' ? distillStage(stereo, single, s) : fuseStage(stereo, single, s);
  const step = async () => {
    const b = sampler.batch();
    try {
      await unit.step(b);
    } finally {
      tf.dispose([b.leftImg, b.rightImg]);
    }
  };
  try {
    const t0 = performance.now();
    await step();
    const first = performance.now() - t0;
    if (first > budgetMs) return { skipped: `one step took ${(first / 1000).toFixed(0)} s (> ${budgetMs / 1000} s)` };
    for (let i = 1; i < warmup; i++) await step();
    const m0 = tf.memory();
    const times: number[] = [];
    const n0 = { ...nativeStats };
    for (let i = 0; i < steps; i++) {
      const t = performance.now();
      await step();
      times.push(performance.now() - t);
    }
    const native = { macs: (nativeStats.macs - n0.macs) / steps, ms: (nativeStats.ms - n0.ms) / steps, inputMacs: (nativeStats.inputMacs - n0.inputMacs) / steps, inputMs: (nativeStats.inputMs - n0.inputMs) / steps, forwardMacs: (nativeStats.forwardMacs - n0.forwardMacs) / steps, forwardMs: (nativeStats.forwardMs - n0.forwardMs) / steps };
    const m1 = tf.memory();
    const prof = await tf.profile(step);
    const agg = new Map<string, { ms: number; calls: number }>();
    let macs = 0;
    let convMs = 0;
    for (const k of prof.kernels) {
      const m = convMacs(k.name, k.inputShapes as number[][], k.outputShapes as number[][]);
      if (m > 0) {
        macs += m;
        convMs += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      }
      const a = agg.get(k.name) ?? { ms: 0, calls: 0 };
      a.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      a.calls += 1;
      agg.set(k.name, a);
    }
    return {
      stats: { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), steps },
      kernels: prof.kernels.length,
      convGMacs: macs / 1e9,
      convMs,
      ...(native.macs > 0 ? { nativeGMacs: native.macs / 1e9, nativeMs: native.ms } : {}),
      ...(native.inputMacs > 0 ? { nativeInputGMacs: native.inputMacs / 1e9, nativeInputMs: native.inputMs } : {}),
      ...(native.forwardMacs > 0 ? { nativeForwardGMacs: native.forwardMacs / 1e9, nativeForwardMs: native.forwardMs } : {}),
      topKernels: [...agg.entries()].map(([name, a]) => ({ name, ...a })).sort((a, b) => b.ms - a.ms).slice(0, 6),
      allKernels: [...agg.entries()].map(([name, a]) => ({ name, ...a })).sort((a, b) => b.ms - a.ms),
      memory: { before: { numTensors: m0.numTensors, numBytes: m0.numBytes }, after: { numTensors: m1.numTensors, numBytes: m1.numBytes } },
    };
  } finally {
    unit.dispose();
    stereo.dispose();
    single.dispose();
    tf.dispose([st.leftImg, st.rightImg]);
  }
}

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/** Multiply-adds of one convolution (or matrix-product) kernel from its shapes (0 for any other kernel). */
function convMacs(name: string, inShapes: number[][], outShapes: number[][]): number {
  // (our WebGPU layers run the forward pass as FusedConv2D and the filter gradient as a WGSL program inside the
  // layer's custom gradient, which tf.profile does not list: on webgpu the count misses the filter gradients)
  if (name === 'Conv2D' || name === 'FusedConv2D') return prod(outShapes[0]) * prod(inShapes[1].slice(0, 3)); // out x (kh kw cin)
  if (name === 'Conv2DBackpropInput') return prod(inShapes[0]) * prod(inShapes[1].slice(0, 3)); // dy x (kh kw cin)
  if (name === 'Conv2DBackpropFilter') return prod(inShapes[1]) * prod(outShapes[0].slice(0, 3)); // dy x (kh kw cin)
  // (none in these networks today; counted in case a gradient is written as a matrix product)
  if (name === 'BatchMatMul') return prod(outShapes[0]) * inShapes[0][inShapes[0].length - 1];
  return 0;
}

async function inferenceMs(preset: PresetName): Promise<{ stereoMs: number; singleMs: number }> {
  // 1242x375 (KITTI) padded to 1248x384
  const l = tf.randomUniform([1, 384, 1248, 3]) as tf.Tensor4D;
  const r = tf.randomUniform([1, 384, 1248, 3]) as tf.Tensor4D;
  const stereo = buildStereoNet(stereoNetConfig(preset));
  const single = buildSingleNet(singleNetConfig(preset));
  const time = async (f: () => tf.Tensor[]) => {
    const ts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const out = f();
      await out[0].data();
      tf.dispose(out);
      ts.push(performance.now() - t);
    }
    return median(ts);
  };
  const res = { stereoMs: await time(() => stereo.forward(l, r)), singleMs: await time(() => single.forward(l)) };
  tf.dispose([l, r]);
  stereo.dispose();
  single.dispose();
  return res;
}

/**
 * Runs this benchmark on another commit (a worktree sharing node_modules), one process per size so
 * that a size that kills the wasm module there (the first version ran out of memory at 512x256)
 * is reported and the others still run; returns its rows and inference times.
 */
function runBaseline(ref: string, args: string[], sizes: string[]): { rows: Row[]; inference: Record<string, { stereoMs: number; singleMs: number }> } {
  const root = resolve(import.meta.dirname, '..');
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root, encoding: 'utf8' }).trim();
  const dir = join(tmpdir(), `reciprocal-depth-bench-${sha}`);
  if (!existsSync(dir)) execFileSync('git', ['worktree', 'add', '--detach', dir, sha], { cwd: root, stdio: 'inherit' });
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  console.log(`--- baseline: ${ref} (${sha}) in ${dir}`);
  const rows: Row[] = [];
  let inference: Record<string, { stereoMs: number; singleMs: number }> = {};
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
  const rows: Row[] = [];
  const inference: Record<string, { stereoMs: number; singleMs: number }> = {};
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
    for (const size of sizes) {
      for (const stage of stages) {
        let r: Omit<Row, 'backend' | 'size' | 'stage'>;
        try {
          r = await benchStage(stage, size, preset, steps, warmup, 60_000);
        } catch (e) {
          // e.g. wasm runs out of its 32-bit address space at large sizes: report it and go on
          r = { skipped: `failed: ${e instanceof Error ? e.message : String(e)}` };
        }
        rows.push({ backend, size: size.join('x'), stage, ...r });
        const rate = r.convGMacs !== undefined && r.convMs ? `, conv ${r.convGMacs.toFixed(2)} GMAC in ${r.convMs.toFixed(0)} ms (${(r.convGMacs / (r.convMs / 1000)).toFixed(1)} GMAC/s)` : '';
        const ownRate = (label: string, g?: number, t?: number) => (g !== undefined && t ? `, ${label} (own kernel) ${g.toFixed(2)} GMAC in ${t.toFixed(0)} ms (${(g / (t / 1000)).toFixed(1)} GMAC/s)` : '');
        const own = ownRate('forward', r.nativeForwardGMacs, r.nativeForwardMs) + ownRate('weight grads', r.nativeGMacs, r.nativeMs) + ownRate('input grads', r.nativeInputGMacs, r.nativeInputMs);
        const line = r.stats ? `${r.stats.medianMs.toFixed(0)} ms (min ${r.stats.minMs.toFixed(0)}, max ${r.stats.maxMs.toFixed(0)}), ${r.kernels} kernels, tensors ${r.memory!.before.numTensors} -> ${r.memory!.after.numTensors}${rate}${own}` : `skipped: ${r.skipped}`;
        console.log(`${backend} ${size.join('x')} ${stage.padEnd(8)} ${line}`);
        if (r.topKernels) console.log(`    top: ${r.topKernels.map((k) => `${k.name} ${k.ms.toFixed(0)} ms/${k.calls}`).join(', ')}`);
      }
    }
    if (backend !== 'cpu' && !bools.has('no-inference')) {
      inference[backend] = await inferenceMs(preset);
      console.log(`${backend} inference at 1242x375: StereoNet ${inference[backend].stereoMs.toFixed(0)} ms, SingleNet ${inference[backend].singleMs.toFixed(0)} ms`);
    }
  }
  if (baseline) {
    console.log(`\nbefore (${baselineRef}) -> after, median ms per step (kernels per step):`);
    const inf = (x?: { stereoMs: number; singleMs: number }) => (x ? `StereoNet ${x.stereoMs.toFixed(0)} ms, SingleNet ${x.singleMs.toFixed(0)} ms` : '-');
    for (const b of Object.keys(inference)) console.log(`  ${b} inference at 1242x375: ${inf(baseline.inference[b])} -> ${inf(inference[b])}`);
    for (const r of rows) {
      const b = baseline.rows.find((x) => x.backend === r.backend && x.size === r.size && x.stage === r.stage);
      const f = (x?: Row) => (x?.stats ? `${x.stats.medianMs.toFixed(0)} ms (${x.kernels})` : x?.skipped ? 'skipped' : '-');
      const speedup = b?.stats && r.stats ? ` x${(b.stats.medianMs / r.stats.medianMs).toFixed(2)}` : '';
      console.log(`  ${r.backend} ${r.size} ${r.stage.padEnd(8)} ${f(b)} -> ${f(r)}${speedup}`);
    }
  }
  const json = flags.get('json');
  if (json) await writeFile(json, JSON.stringify({ date: new Date().toISOString(), machine, tfjs: tf.version.tfjs, tfFlags, adapters, wasmThreads, preset, rows, inference, baseline: baseline && { ref: baselineRef, ...baseline } }, null, 1));
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
