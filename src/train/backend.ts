/// <reference types="vite/client" />
// Chooses the tfjs compute backend inside the training worker.
//
// Order: WebGPU on a real GPU; WebGL on a real GPU; WASM; CPU. A software WebGPU adapter
// (SwiftShader, `isFallbackAdapter`) or a software WebGL renderer counts as "no GPU": on the
// 2-core test machine one U-Net training step at 256x128 took ~82 s on SwiftShader WebGPU,
// ~48 s on SwiftShader WebGL and ~1 s on WASM (docs/TFJS-NOTES.md). A forced backend
// (`?backend=` on the page) is tried first; if it fails, the automatic order follows and the
// first reason says so. Every choice is verified with `tf.getBackend()`, because tfjs can fall
// back silently.
//
// The probes and the plan are plain functions of plain data (tested in backend.test.ts);
// only `selectBackend` and `warmUp` touch tfjs.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKEND_NAMES, type AdapterSummary, type BackendName } from './protocol';

// The wasm binaries are emitted by Vite (dev: served from node_modules; build: hashed assets).
// Must run before the wasm backend initialises. In Node (unit tests) these URLs are not file
// paths, and the wasm backend finds its binaries next to itself, so leave it alone there.
const inNode = typeof globalThis.process !== 'undefined' && globalThis.process.versions?.node !== undefined;
if (!inNode) {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlainUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
  });
}

export interface WebGpuProbe {
  /** An adapter was obtained. */
  available: boolean;
  adapter?: AdapterSummary;
  /** Why there is no adapter. */
  error?: string;
}

export interface WebGlProbe {
  available: boolean;
  /** Unmasked renderer string, e.g. "ANGLE (NVIDIA, ...)" or "... SwiftShader ...". */
  renderer?: string;
  software?: boolean;
  error?: string;
}

export interface BackendProbes {
  webgpu: WebGpuProbe;
  webgl: WebGlProbe;
}

/** A backend left out, and why. */
export interface Skipped {
  backend: BackendName;
  reason: string;
}

export interface BackendPlan {
  /** Backends to try, in order. */
  order: BackendName[];
  /** Backends left out of `order` by the probes. */
  skipped: Skipped[];
}

export interface BackendChoice {
  backend: BackendName;
  requested?: BackendName;
  reasons: string[];
  adapter?: AdapterSummary;
}

const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render driver/i;

/** True when a WebGPU adapter is a CPU implementation rather than a GPU. */
export function isSoftwareAdapter(info: {
  architecture?: string;
  vendor?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}): boolean {
  if (info.isFallbackAdapter) return true;
  if ((info.architecture ?? '').toLowerCase() === 'swiftshader') return true;
  return SOFTWARE_RENDERER.test(`${info.vendor ?? ''} ${info.description ?? ''} ${info.architecture ?? ''}`);
}

/** True when a WebGL renderer string names a CPU rasteriser. */
export function isSoftwareRenderer(renderer: string): boolean {
  return SOFTWARE_RENDERER.test(renderer);
}

/** Orders the backends from what the probes found; pure. */
export function planBackends(probes: BackendProbes, requested?: BackendName): BackendPlan {
  const skipped: Skipped[] = [];
  const order: BackendName[] = [];
  const { webgpu, webgl } = probes;

  if (!webgpu.available) {
    skipped.push({ backend: 'webgpu', reason: `WebGPU not used: ${webgpu.error ?? 'no adapter'}.` });
  } else if (webgpu.adapter?.isFallback) {
    skipped.push({
      backend: 'webgpu',
      reason:
        `WebGPU not used: the only adapter is a software fallback (${describeAdapter(webgpu.adapter)}), ` +
        'which trains about 80x slower than WASM (82 s vs 1 s per step at 256x128).',
    });
  } else {
    order.push('webgpu');
  }

  if (!webgl.available) {
    skipped.push({ backend: 'webgl', reason: `WebGL not used: ${webgl.error ?? 'no context'}.` });
  } else if (webgl.software) {
    skipped.push({
      backend: 'webgl',
      reason: `WebGL not used: the renderer is software (${webgl.renderer ?? 'unknown'}), which trains about 50x slower than WASM.`,
    });
  } else {
    order.push('webgl');
  }

  order.push('wasm', 'cpu');

  if (requested === undefined) return { order, skipped };
  return { order: [requested, ...order.filter((b) => b !== requested)], skipped };
}

function describeAdapter(a: AdapterSummary): string {
  const parts = [a.vendor, a.architecture, a.description].filter((s) => s.length > 0);
  return parts.length > 0 ? parts.join(' / ') : 'unnamed adapter';
}

// `GPUAdapter.info` is newer than the @webgpu/types in node_modules; `requestAdapterInfo` is
// its removed predecessor. Read whichever exists.
type AdapterInfoLike = {
  architecture?: string;
  vendor?: string;
  description?: string;
  isFallbackAdapter?: boolean;
};
type AdapterWithInfo = GPUAdapter & {
  info?: AdapterInfoLike;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
};

/** Asks for a WebGPU adapter the way tfjs does (high-performance) and describes it. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (gpu === undefined) {
    return { available: false, error: 'navigator.gpu is missing (this browser does not expose WebGPU)' };
  }
  let adapter: AdapterWithInfo | null;
  try {
    adapter = (await gpu.requestAdapter({ powerPreference: 'high-performance' })) as AdapterWithInfo | null;
  } catch (err) {
    return { available: false, error: `requestAdapter() threw: ${messageOf(err)}` };
  }
  if (adapter === null) {
    return { available: false, error: 'navigator.gpu.requestAdapter() returned no adapter' };
  }
  let info: AdapterInfoLike = adapter.info ?? {};
  if (adapter.info === undefined && typeof adapter.requestAdapterInfo === 'function') {
    info = await adapter.requestAdapterInfo().catch(() => ({}));
  }
  const summary = {
    architecture: info.architecture ?? '',
    vendor: info.vendor ?? '',
    description: info.description ?? '',
  };
  const isFallback = isSoftwareAdapter({
    ...summary,
    isFallbackAdapter: Boolean(adapter.isFallbackAdapter || info.isFallbackAdapter),
  });
  return { available: true, adapter: { ...summary, isFallback } };
}

/** Opens a throw-away WebGL context on an OffscreenCanvas to read its renderer string. */
export function probeWebGl(): WebGlProbe {
  if (typeof OffscreenCanvas === 'undefined') {
    return { available: false, error: 'OffscreenCanvas is missing, so WebGL cannot run in a worker' };
  }
  try {
    const canvas = new OffscreenCanvas(1, 1);
    const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
    if (gl === null) return { available: false, error: 'no WebGL context could be created' };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { available: true, renderer, software: isSoftwareRenderer(renderer) };
  } catch (err) {
    return { available: false, error: `WebGL probe threw: ${messageOf(err)}` };
  }
}

/** Sets `name`, waits for it, and checks that tfjs really runs on it. Throws otherwise. */
export async function trySetBackend(name: BackendName): Promise<void> {
  let accepted: boolean;
  try {
    accepted = await tf.setBackend(name);
  } catch (err) {
    throw new Error(`tf.setBackend('${name}') threw: ${messageOf(err)}`);
  }
  // On failure setBackend resolves false and logs the cause as a console warning. Do not call
  // tf.ready() then: it would quietly initialise the best other registered backend instead.
  if (!accepted) throw new Error(`tf.setBackend('${name}') returned false (the cause is in the console)`);
  try {
    await tf.ready();
  } catch (err) {
    throw new Error(`tf.ready() on '${name}' threw: ${messageOf(err)}`);
  }
  const actual = tf.getBackend();
  if (actual !== name) throw new Error(`tf.setBackend('${name}') did not take effect (tfjs is on '${actual ?? 'none'}')`);
}

/** Probes, plans and sets the backend. Throws only when not even CPU initialises. */
export async function selectBackend(requested?: BackendName): Promise<BackendChoice> {
  const webgpu = await probeWebGpu();
  const webgl = probeWebGl(); // cheap, and needed should WebGPU fail to initialise
  const plan = planBackends({ webgpu, webgl }, requested);

  const rank = (b: BackendName) => BACKEND_NAMES.indexOf(b);
  let forcedFailure: string | undefined;
  const failures: Skipped[] = [];
  for (const name of plan.order) {
    try {
      await trySetBackend(name);
    } catch (err) {
      // tfjs logs the cause of a failed init as a warning only; add what the probe found.
      const probeError = name === 'webgpu' ? webgpu.error : name === 'webgl' ? webgl.error : undefined;
      const cause = probeError !== undefined ? `${probeError}; ${messageOf(err)}` : messageOf(err);
      if (name === requested) {
        forcedFailure = `Requested backend '${name}' failed: ${cause}. Falling back to the automatic choice.`;
      } else {
        failures.push({ backend: name, reason: `${name} failed to initialise: ${cause}.` });
      }
      continue;
    }
    let reasons: string[];
    if (name === requested) {
      reasons = [`Forced with ?backend=${requested}.`];
      if (name === 'webgpu' && webgpu.adapter?.isFallback) {
        reasons.push(`Note: the WebGPU adapter is a software fallback (${describeAdapter(webgpu.adapter)}); expect it to be slow.`);
      }
    } else {
      // The forced failure first, then why each better backend than `name` was passed over.
      const better = [...plan.skipped, ...failures].filter((s) => rank(s.backend) < rank(name)).map((s) => s.reason);
      reasons = forcedFailure !== undefined ? [forcedFailure, ...better] : better;
    }
    return { backend: name, requested, reasons, adapter: webgpu.adapter };
  }
  const all = [forcedFailure, ...failures.map((f) => f.reason)].filter((r) => r !== undefined);
  throw new Error(`No tfjs backend could be initialised: ${all.join(' ')}`);
}

/**
 * Runs one small conv so shaders / wasm code are compiled before the worker reports ready.
 * Returns the time taken in ms.
 */
export async function warmUp(): Promise<number> {
  const t0 = performance.now();
  const y = tf.tidy(() => {
    const x = tf.randomUniform([1, 16, 16, 3], 0, 1, 'float32', 7) as tf.Tensor4D; // [B, H, W, C]
    const w = tf.randomNormal([3, 3, 3, 8], 0, 0.1, 'float32', 8) as tf.Tensor4D; // [kh, kw, in, out]
    return tf.relu(tf.conv2d(x, w, 1, 'same')).mean();
  });
  await y.data();
  y.dispose();
  return performance.now() - t0;
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
