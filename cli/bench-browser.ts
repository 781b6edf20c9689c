/**
 * Benchmark of the browser path: the same measurement as `npm run bench` (cli/bench.ts), run by
 * bench.html in headless Chromium, launched as the browser tests launch it (e2e/chromium.ts:
 * the same Chromium search and flags), on each backend: webgpu, webgl, wasm, cpu.
 *
 *   npm run bench:browser -- [--backends webgpu,webgl,wasm,cpu] [--sizes 256x128,512x256]
 *                            [--stages stereo,distill,fuse] [--preset default] [--steps 10]
 *                            [--warmup 2] [--budget 60] [--thread worker|main] [--no-inference]
 *                            [--wasm-threads N] [--json <file>]
 *
 * It starts the Vite dev server in this process (the repo's vite.config.ts, so the page gets its
 * COOP/COEP headers; file watching and HMR off, so edits made during a run do not reload the
 * page), on a free port, and opens a fresh browser for each backend, so a backend that crashes
 * or loses its device cannot spoil the others. The page measures in a module worker, as the app
 * trains (--thread main: on the page itself). Per backend: whether it started (tf.getBackend()
 * is checked after setBackend), the app's warm-up op, then the benchmark core's measurement
 * (src/bench/core.ts, as in `npm run bench`: the step timer, the kernels, profile entries and
 * dispatches of one profiled step, inference at 1242x375) and its report (src/bench/report.ts).
 * A size is skipped, with every larger one, when a first step takes more than --budget seconds;
 * a page that sends nothing for twice the budget (plus 30 s) is closed.
 * `--wasm-threads N` asks for N wasm threads as the app's `?wasmThreads=N` does (default: the app's
 * own choice for a run at the first size, src/train/wasmThreads.ts); the .wasm binary each page
 * fetched is reported.
 */
import { chromium, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import { STAGE_NAMES, type StageName } from '../src/config/settings';
import { PRESET_NAMES, type PresetName } from '../src/model/config';
import { BENCH_BACKENDS, benchQuery, parseSizes, type BackendReport, type BenchBackend, type BenchEnv, type BenchMsg, type BenchParams, type InferenceReport, type StageRow } from '../src/bench/types';
import { inferenceTable, inferenceText, ms, rowLine, stepReport, table } from '../src/bench/report';
import { CHROMIUM_ARGS, findChromium } from '../e2e/chromium';
import { parseArgs } from './common';

const ROOT = resolve(import.meta.dirname, '..');
/** Extra time past a phase's expected end before the page is closed. */
const GRACE_MS = 30_000;

interface BackendResult {
  backend: BenchBackend;
  url: string;
  env?: BenchEnv;
  start?: BackendReport;
  rows: StageRow[];
  inference?: InferenceReport;
  /** Why the page was closed early (crash, no reply, page error). */
  problems: string[];
  /** Warnings and errors from the page's console (first 30). */
  console: string[];
  /** The .wasm binaries the page fetched (which build of the wasm backend ran). */
  wasmBinaries: string[];
  wallS: number;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

const stamp = () => new Date().toISOString().slice(11, 19);
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average: ${load()}`;
  }
};

async function runBackend(base: string, params: BenchParams): Promise<BackendResult> {
  const url = `${base}/bench.html?${benchQuery(params)}`;
  const result: BackendResult = { backend: params.backend, url, rows: [], problems: [], console: [], wasmBinaries: [], wallS: 0 };
  const t0 = Date.now();
  let browser: Browser | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;
  try {
    browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  } catch (err) {
    result.problems.push(`Chromium did not launch: ${(err as Error).message}`);
    return result;
  }
  try {
    const page = await browser.newPage();
    let phase = 'loading the page';
    let expectMs = 120_000;
    let last = Date.now();
    let phaseStart = last;
    let finish: (problem?: string) => void = () => {};
    const finished = new Promise<string | undefined>((res) => (finish = res));
    await page.exposeFunction('benchReport', (msg: BenchMsg) => {
      last = Date.now();
      switch (msg.type) {
        case 'progress':
          phase = msg.phase;
          phaseStart = Date.now();
          expectMs = msg.expectMs;
          process.stderr.write(`  [${stamp()}] ${msg.phase}\n`);
          break;
        case 'env':
          result.env = msg.env;
          break;
        case 'backend':
          result.start = msg.report;
          console.log(msg.report.ok
            ? `${params.backend}: started in ${msg.report.initMs!.toFixed(0)} ms, warm-up op ${msg.report.warmUpMs?.toFixed(0)} ms${msg.report.wasmThreads !== undefined ? `, ${msg.report.wasmThreads} wasm thread(s)` : ''}`
            : `${params.backend}: did not start: ${msg.report.error}`);
          break;
        case 'row':
          result.rows.push(msg.row);
          console.log(rowLine(msg.row));
          break;
        case 'inference':
          result.inference = msg.report;
          console.log(`${params.backend} inference at 1242x375: ${inferenceText(msg.report)}`);
          break;
        case 'error':
          result.problems.push(`page: ${msg.message}`);
          console.log(`${params.backend}: error: ${msg.message}`);
          break;
        case 'done':
          finish();
          break;
      }
    });
    page.on('console', (m) => {
      // not the Vite client's complaints about the HMR socket, which is off on purpose
      if (/websocket|\[vite\]/i.test(m.text())) return;
      if ((m.type() === 'warning' || m.type() === 'error') && result.console.length < 30) result.console.push(`${m.type()}: ${m.text().slice(0, 400)}`);
    });
    page.on('request', (req) => {
      // the binary itself (the `?url` imports are module requests for its address)
      const u = req.url();
      if (u.endsWith('.wasm') && req.resourceType() !== 'script') result.wasmBinaries.push(u.replace(/^.*\//, ''));
    });
    page.on('pageerror', (e) => result.problems.push(`uncaught in the page: ${e.message}`));
    page.on('crash', () => finish(`the page crashed during "${phase}"`));
    page.on('close', () => finish(`the page closed during "${phase}"`));
    browser.on('disconnected', () => finish(`the browser disconnected during "${phase}"`));
    let navigations = 0;
    page.on('framenavigated', (f) => {
      if (f === page.mainFrame() && ++navigations > 1) result.problems.push(`the page navigated again (reload) during "${phase}"`);
    });
    watchdog = setInterval(() => {
      if (Date.now() - last > expectMs + GRACE_MS) finish(`nothing from the page for ${((Date.now() - last) / 1000).toFixed(0)} s during "${phase}" (expected within ${(expectMs / 1000).toFixed(0)} s): page closed`);
    }, 1000);
    // 'commit': a page busy computing can hold back its load event
    await page.goto(url, { waitUntil: 'commit', timeout: 120_000 });
    const problem = await finished;
    if (problem) {
      result.problems.push(problem);
      console.log(`${params.backend}: stopped: ${problem}`);
      if (result.start?.ok) fillNotRun(result, params, phase, phaseStart, problem);
    }
  } catch (err) {
    result.problems.push(`driver: ${(err as Error).message}`);
  } finally {
    clearInterval(watchdog);
    await browser.close().catch(() => {});
    result.wallS = (Date.now() - t0) / 1000;
  }
  return result;
}

/** After the page was closed early: a row for every size and stage it did not report, saying why. */
function fillNotRun(result: BackendResult, params: BenchParams, phase: string, phaseStart: number, problem: string): void {
  const first = new RegExp(`^${params.backend} (\\d+x\\d+) (\\w+): first step$`).exec(phase);
  for (const size of params.sizes.map((x) => x.join('x'))) {
    for (const stage of params.stages) {
      if (result.rows.some((r) => r.size === size && r.stage === stage)) continue;
      const row: StageRow = first && first[1] === size && first[2] === stage
        ? { backend: params.backend, size, stage, skipped: `first step did not finish within ${((Date.now() - phaseStart) / 1000).toFixed(0)} s (> ${params.budgetMs / 1000} s budget): page closed` }
        : { backend: params.backend, size, stage, skipped: `not run: ${problem}` };
      result.rows.push(row);
      console.log(rowLine(row));
    }
  }
  if (params.inference && !result.inference) result.inference = { runs: 0, notes: [`not run: ${problem}`] };
}

function printReport(results: BackendResult[], meta: { browserVersion: string; headers: Record<string, string>; loadStart: string; loadEnd: string; params: Omit<BenchParams, 'backend'> }): void {
  const p = meta.params;
  console.log(`\n=== browser benchmark: preset ${p.preset}, batch 2, median of ${p.steps} steps after ${p.warmup} warm-up, budget ${p.budgetMs / 1000} s, tfjs in the ${p.thread === 'worker' ? 'module worker' : "page's main thread"}${p.wasmThreads !== undefined ? `, wasm threads set to ${p.wasmThreads}` : ''} ===`);
  console.log(`browser: ${meta.browserVersion}; flags: ${CHROMIUM_ARGS.join(' ')}`);
  console.log(`server headers: COOP ${meta.headers.coop || '(none)'}, COEP ${meta.headers.coep || '(none)'}`);
  const env = results.find((r) => r.env)?.env;
  if (env) {
    const a = env.adapter;
    console.log(`user agent: ${env.userAgent}; hardwareConcurrency ${env.hardwareConcurrency}; tfjs ${env.tfjs}`);
    console.log(a.available
      ? `WebGPU adapter: architecture "${a.architecture}", vendor "${a.vendor}", description "${a.description}", isFallbackAdapter ${a.isFallbackAdapter ?? 'not reported'}; timestamp-query ${a.features?.includes('timestamp-query') ? 'yes' : 'no'}`
      : `WebGPU adapter: none (${a.error})`);
    console.log(env.webgl.available ? `WebGL renderer: ${env.webgl.renderer}${env.webgl.software ? ' (software)' : ''}` : `WebGL: none (${env.webgl.error})`);
  }
  console.log(`load average: start ${meta.loadStart}; end ${meta.loadEnd}`);

  console.log('\nbackends:');
  console.log(table(
    ['backend', 'started', 'crossOriginIsolated (tfjs / page)', 'init ms', 'warm-up op ms', 'wasm threads', 'wall s'],
    results.map((r) => [
      r.backend,
      r.start ? (r.start.ok ? 'yes' : 'NO') : 'NO',
      r.env ? `${r.env.crossOriginIsolated} / ${r.env.pageCrossOriginIsolated ?? r.env.crossOriginIsolated}` : '-',
      ms(r.start?.initMs),
      ms(r.start?.warmUpMs),
      r.start?.wasmThreads !== undefined ? `${r.start.wasmThreads} (${r.wasmBinaries.join(', ') || '?'})` : '-',
      r.wallS.toFixed(0),
    ]),
  ));
  for (const r of results) {
    if (r.start && !r.start.ok) console.log(`  ${r.backend} did not start: ${r.start.error}`);
    if (r.start?.fastWasmKernels === false) console.log(`  ${r.backend}: the project's fast wasm kernels are NOT registered`);
    if (r.start?.nativeKernels !== undefined) {
      console.log(`  ${r.backend}: convolutions ${r.start.nativeKernels ? `by our own SIMD kernels, ${r.start.nativeHelper ? 'with their helper thread' : 'on one thread'}` : 'as convolutions (our kernels did not load)'}`);
    }
    for (const pr of r.problems) console.log(`  ${r.backend}: ${pr}`);
  }

  const rows = results.flatMap((r) => r.rows);
  console.log(`\n${stepReport(rows).join('\n')}`);
  const notRun = results.filter((r) => r.start?.ok && r.problems.length).map((r) => r.backend);
  if (notRun.length) console.log(`  (${notRun.join(', ')}: anything missing above was not run; see the problems under "backends")`);

  const off = p.inference ? 'not run' : 'off (--no-inference)';
  console.log(`\n${inferenceTable(results.filter((r) => r.start?.ok).map((r) => ({ backend: r.backend, report: r.inference, missing: off })))}`);
}

async function main(): Promise<void> {
  const { flags, bools } = parseArgs(process.argv.slice(2), ['no-inference']);
  const known = ['backends', 'sizes', 'stages', 'preset', 'steps', 'warmup', 'budget', 'thread', 'wasm-threads', 'json'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (options: ${known.map((x) => `--${x}`).join(' ')} --no-inference)`);
  const backends = (flags.get('backends') ?? BENCH_BACKENDS.join(',')).split(',');
  for (const b of backends) if (!(BENCH_BACKENDS as readonly string[]).includes(b)) throw new Error(`--backends: unknown backend "${b}" (${BENCH_BACKENDS.join(', ')})`);
  const stages = (flags.get('stages') ?? STAGE_NAMES.join(',')).split(',');
  for (const s of stages) if (!(STAGE_NAMES as readonly string[]).includes(s)) throw new Error(`--stages: unknown stage "${s}"`);
  const preset = flags.get('preset') ?? 'default';
  if (!(PRESET_NAMES as readonly string[]).includes(preset)) throw new Error(`--preset: unknown preset "${preset}"`);
  const thread = flags.get('thread') ?? 'worker';
  if (thread !== 'worker' && thread !== 'main') throw new Error('--thread must be worker or main');
  const num = (k: string, d: number, min: number) => {
    const v = Number(flags.get(k) ?? d);
    if (!Number.isFinite(v) || v < min) throw new Error(`--${k} must be a number >= ${min}`);
    return v;
  };
  const params: Omit<BenchParams, 'backend'> = {
    sizes: parseSizes(flags.get('sizes') ?? '256x128,512x256'),
    stages: stages as StageName[],
    preset: preset as PresetName,
    steps: Math.round(num('steps', 10, 1)),
    warmup: Math.round(num('warmup', 2, 1)),
    budgetMs: num('budget', 60, 1) * 1000,
    inference: !bools.has('no-inference'),
    thread,
    ...(flags.has('wasm-threads') ? { wasmThreads: Math.round(num('wasm-threads', 1, 1)) } : {}),
  };

  const loadStart = uptime();
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`machine: ${machine}`);
  console.log(`at start: ${loadStart}`);

  const port = await freePort();
  let server: ViteDevServer | undefined;
  const results: BackendResult[] = [];
  let browserVersion = '?';
  let headers = { coop: '', coep: '' };
  try {
    server = await createServer({
      root: ROOT,
      clearScreen: false,
      logLevel: 'warn',
      // no watcher, no HMR: files edited during the run must not reload the page mid-measurement
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false, ws: false, watch: null },
    });
    await server.listen();
    const base = `http://127.0.0.1:${port}`;
    const res = await fetch(`${base}/bench.html`);
    headers = { coop: res.headers.get('cross-origin-opener-policy') ?? '', coep: res.headers.get('cross-origin-embedder-policy') ?? '' };
    console.log(`vite dev server at ${base} (COOP ${headers.coop || 'none'}, COEP ${headers.coep || 'none'}); Chromium ${findChromium() ?? "(Playwright's own)"}`);

    // One load of the page and its worker, so the dev server transforms (and pre-bundles) every
    // module before any timing.
    const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
    try {
      browserVersion = browser.version();
      const page = await browser.newPage();
      await page.goto(`${base}/bench.html?prepare=1`, { waitUntil: 'load', timeout: 180_000 });
      await page.waitForFunction(() => window.__bench?.done === true, undefined, { timeout: 180_000 });
      const errs = await page.evaluate(() => (window.__bench?.messages ?? []).filter((m) => m.type === 'error'));
      if (errs.length) throw new Error(`the bench page did not load: ${JSON.stringify(errs)}`);
    } finally {
      await browser.close();
    }
    console.log(`Chromium ${browserVersion}; preset ${params.preset}, batch 2, median of ${params.steps} steps after ${params.warmup} warm-up, budget ${params.budgetMs / 1000} s`);

    for (const backend of backends as BenchBackend[]) {
      console.log(`--- ${backend} [${stamp()}, load ${load()}]`);
      results.push(await runBackend(base, { ...params, backend }));
    }
  } finally {
    await server?.close();
  }
  const loadEnd = uptime();
  printReport(results, { browserVersion, headers, loadStart, loadEnd, params });

  const json = flags.get('json');
  if (json) {
    await writeFile(json, JSON.stringify({
      date: new Date().toISOString(),
      machine,
      load: { start: loadStart, end: loadEnd },
      commit: (() => { try { return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { return undefined; } })(),
      browser: { version: browserVersion, executablePath: findChromium(), args: CHROMIUM_ARGS },
      serverHeaders: headers,
      params,
      results,
    }, null, 1));
    console.log(`\nwrote ${json}`);
  }
}

main().catch((e: unknown) => {
  console.error(`bench:browser: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
