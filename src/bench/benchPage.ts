// bench.html: measures one backend, given in the URL query, and hands every result to
// `window.benchReport` (exposed by cli/bench-browser.ts through Playwright) as it comes; all of
// them also collect on `window.__bench` and in the page text, for use by hand.
//
//   /bench.html?backend=wasm&sizes=256x128,512x256&stages=stereo,distill,fuse&preset=default
//              &steps=10&warmup=2&budget=60&inference=1&thread=worker[&wasmThreads=2]
//   /bench.html?prepare=1   loads the worker and every module it imports, then reports 'done'
//                           (lets the dev server transform everything before a timed run)
import { STAGE_NAMES, type StageName } from '../config/settings';
import { PRESET_NAMES, type PresetName } from '../model/config';
import { BENCH_BACKENDS, parseSizes, type BenchBackend, type BenchMsg, type BenchParams } from './types';

declare global {
  interface Window {
    benchReport?: (msg: BenchMsg) => Promise<void> | void;
    __bench?: { params?: BenchParams; messages: BenchMsg[]; done: boolean };
  }
}

const logEl = document.getElementById('log');
const state: NonNullable<Window['__bench']> = { messages: [], done: false };
window.__bench = state;

function report(msg: BenchMsg): void {
  state.messages.push(msg);
  if (msg.type === 'done') state.done = true;
  if (logEl) logEl.textContent = state.messages.map((m) => JSON.stringify(m)).join('\n');
  if (window.benchReport) void window.benchReport(msg);
  else console.log('[bench]', JSON.stringify(msg));
}

function readParams(q: URLSearchParams): BenchParams {
  const backend = q.get('backend') ?? 'wasm';
  if (!(BENCH_BACKENDS as readonly string[]).includes(backend)) throw new Error(`backend must be one of ${BENCH_BACKENDS.join(', ')}; got "${backend}"`);
  const stages = (q.get('stages') ?? STAGE_NAMES.join(',')).split(',');
  for (const s of stages) if (!(STAGE_NAMES as readonly string[]).includes(s)) throw new Error(`unknown stage "${s}"`);
  const preset = q.get('preset') ?? 'default';
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) throw new Error(`unknown preset "${preset}"`);
  const num = (k: string, d: number) => {
    const v = Number(q.get(k) ?? d);
    if (!Number.isFinite(v) || v < 0) throw new Error(`${k} must be a number >= 0`);
    return v;
  };
  const thread = q.get('thread') ?? 'worker';
  if (thread !== 'worker' && thread !== 'main') throw new Error('thread must be worker or main');
  return {
    backend: backend as BenchBackend,
    sizes: parseSizes(q.get('sizes') ?? '256x128,512x256'),
    stages: stages as StageName[],
    preset: preset as PresetName,
    steps: Math.max(1, Math.round(num('steps', 10))),
    warmup: Math.max(1, Math.round(num('warmup', 2))),
    budgetMs: num('budget', 60) * 1000,
    inference: q.get('inference') !== '0',
    thread,
    ...(q.get('wasmThreads') ? { wasmThreads: Math.max(1, Math.round(num('wasmThreads', 1))) } : {}),
  };
}

function startWorker(): Worker {
  const worker = new Worker(new URL('./benchWorker.ts', import.meta.url), { type: 'module' });
  worker.onerror = (ev) => {
    ev.preventDefault();
    report({ type: 'error', message: `bench worker error: ${ev.message || 'failed to load or crashed'}` });
    report({ type: 'done' });
  };
  return worker;
}

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  if (q.get('prepare') === '1') {
    const worker = startWorker();
    worker.onmessage = () => {
      worker.terminate();
      report({ type: 'done' });
    };
    return;
  }
  let params: BenchParams;
  try {
    params = readParams(q);
  } catch (err) {
    report({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    report({ type: 'done' });
    return;
  }
  state.params = params;
  if (params.thread === 'main') {
    const { runBench } = await import('./measure');
    await runBench(params, report, crossOriginIsolated);
    return;
  }
  const worker = startWorker();
  worker.onmessage = (ev: MessageEvent<BenchMsg>) => report(ev.data);
  worker.postMessage({ params, pageCrossOriginIsolated: crossOriginIsolated });
}

void main();
