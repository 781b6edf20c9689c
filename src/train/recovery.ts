// Recovery from a lost GPU device. A WebGPU device or a WebGL context can be lost at any time (a
// driver reset, the GPU taken by the system, the tab in the background on some platforms), during
// training or while the app sits idle; every tensor on it is gone.
// The worker's session keeps the last weights it read back (a Snapshot, src/train/session.ts), and
// recoverDevice below is the one way back from a loss, during a train or while idle: it restarts
// tfjs on a fresh device (or the next backend) and rebuilds the networks from those weights.
// Shown by recovery.test.ts (both modes and their failure paths, in Node) and e2e/soak.spec.ts
// (a WebGPU device lost mid-run and then idle; a WebGL context lost idle).
//
// WebGPU signals a loss with `GPUDevice.lost`; WebGL with a 'webglcontextlost' event on the
// context's canvas (an OffscreenCanvas in the worker), and `isContextLost()` from then on.
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { gpuResource } from '../config/backends';
import { messageOf, selectBackend, trySetBackend } from './backend';
import { remainingOf, runnerFromModel, type RunProgress } from './modelLoad';
import type { BackendName, TrainRequest } from './protocol';
import type { Session } from './session';
import { webgpuBackendOn } from './webgpuDevice';

export interface DeviceLoss {
  reason: string;
  message: string;
}

/** The backend whose device is being watched (a loss of any other is old news). */
let watched: tf.KernelBackend | undefined;
/** Resolves when the watched device is lost. */
let lostSignal: Promise<unknown> | undefined;

/** The WebGL context tfjs draws with (tfjs's GPGPUContext keeps it as `gl`). */
function webglContext(): WebGLRenderingContext | WebGL2RenderingContext {
  return (tf.backend() as tf.MathBackendWebGL).gpgpu.gl;
}

/** Calls `onLost` once if the device of the current WebGPU or WebGL backend is lost; nothing on the others. */
export function watchDeviceLoss(onLost: (loss: DeviceLoss) => void): void {
  watched = undefined;
  lostSignal = undefined;
  const name = tf.getBackend();
  if (name === 'webgpu') {
    const backend = tf.backend() as WebGPUBackend;
    watched = backend;
    lostSignal = backend.device.lost;
    void backend.device.lost.then((info) => {
      if (watched !== backend) return;
      watched = undefined;
      onLost({ reason: String(info.reason ?? 'unknown'), message: info.message || 'no message' });
    });
  } else if (name === 'webgl') {
    const backend = tf.backend();
    const canvas = webglContext().canvas as EventTarget;
    watched = backend;
    lostSignal = new Promise<void>((resolve) => {
      canvas.addEventListener('webglcontextlost', (ev) => {
        ev.preventDefault(); // allows a restore; the worker starts a fresh context anyway
        resolve();
        if (watched !== backend) return;
        watched = undefined;
        onLost({ reason: 'context lost', message: 'the WebGL context was lost (webglcontextlost)' });
      }, { once: true });
    });
  }
}

/**
 * After an error on a GPU backend: waits up to `ms` for the device's loss to be reported (a
 * read-back on a lost device can fail before the loss event arrives). True when it was lost.
 */
export async function lostWithin(ms: number): Promise<boolean> {
  if (lostSignal === undefined) return false;
  // WebGL says at once whether its context is lost (the event that reports it may still be queued).
  if (tf.getBackend() === 'webgl' && !webglContext().isContextLost()) return false;
  const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms));
  return Promise.race([lostSignal.then(() => true), timer]);
}

/**
 * Loses the current GPU device, as a GPU reset would: destroys the WebGPU device, or loses the
 * WebGL context (WEBGL_lose_context). Says what it did; undefined on the CPU backends.
 */
export function loseDevice(): string | undefined {
  const name = tf.getBackend();
  if (name === 'webgpu') {
    (tf.backend() as WebGPUBackend).device.destroy();
    return 'the WebGPU device was destroyed';
  }
  if (name === 'webgl') {
    const ext = webglContext().getExtension('WEBGL_lose_context');
    if (ext === null) return 'WebGL has no WEBGL_lose_context here: nothing lost';
    ext.loseContext();
    return 'the WebGL context was lost';
  }
  return undefined;
}

/** tfjs-backend-webgpu's own factory (dist/base.js), registered again after a loss. */
async function createWebGpuBackend(): Promise<WebGPUBackend> {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: tf.env().get('WEBGPU_USE_LOW_POWER_GPU') ? 'low-power' : 'high-performance' });
  if (adapter === null) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  return webgpuBackendOn(adapter);
}

/**
 * After `lost` lost its device (the caller has disposed every tensor it held): a fresh backend
 * of the same kind, else the automatic choice among the others. Returns where tfjs runs now
 * and how it got there.
 */
export async function restartBackend(lost: BackendName): Promise<{ backend: BackendName; reasons: string[] }> {
  const reasons: string[] = [];
  if (lost === 'webgpu' || lost === 'webgl') {
    const label = lost === 'webgpu' ? 'WebGPU device' : 'WebGL context';
    try {
      // Its buffers, textures and programs belong to the dead device. (Removing the WebGL backend
      // also empties tfjs's shared cache of compiled programs, which a new context cannot use.)
      tf.removeBackend(lost);
      if (lost === 'webgpu') tf.registerBackend('webgpu', createWebGpuBackend, 3);
      else tf.registerBackend('webgl', () => new tf.MathBackendWebGL(), 2); // tfjs-backend-webgl's own factory (dist/base.js)
      await trySetBackend(lost);
      return { backend: lost, reasons: [`Restarted on a fresh ${label}.`] };
    } catch (err) {
      reasons.push(`A fresh ${label} could not be started: ${messageOf(err)}.`);
      try {
        tf.removeBackend(lost); // so the automatic choice below does not land on it again
      } catch {
        // not registered: nothing to remove
      }
    }
  }
  const choice = await selectBackend();
  return { backend: choice.backend, reasons: [...reasons, `Moved to ${choice.backend}.`, ...choice.reasons] };
}

/**
 * The last weights read back during a run on a GPU backend, with where the run stood then: what
 * training goes on from if the device is lost. Taken at the start of a run, at each stage end,
 * with every checkpoint the page asks for during a run (autosave) and at least every 10 s; at the
 * end of a run and with each loaded model, for a device lost while idle.
 */
export interface Snapshot {
  modelJson: unknown;
  weightData: ArrayBuffer;
  run: RunProgress;
  /** Date.now() when it was taken. */
  at: number;
}

export function copyProgress(run: RunProgress): RunProgress {
  return JSON.parse(JSON.stringify(run)) as RunProgress;
}

/** Steps done after the snapshot `from` and lost at `atLoss` (the snapshot took a stage end when `from` is absent). */
function stepsRedone(atLoss: RunProgress['current'], from: RunProgress['current']): number {
  if (atLoss === undefined) return 0;
  if (from === undefined) return atLoss.step;
  return atLoss.stage === from.stage ? Math.max(0, atLoss.step - from.step) : 0;
}

type Remaining = ReturnType<typeof remainingOf>;

/**
 * The one recovery from a lost device, whether a train was running (`during`: that train, which
 * goes on from what this returns) or not (then it runs on the request queue, so that requests sent
 * meanwhile wait for it). In order:
 * 1. it says so: `backendLost` in the train's stream, or `deviceLost` while idle;
 * 2. drops every tensor, which lived on the lost device (the snapshot is plain memory);
 * 3. restarts tfjs on a fresh device, or the next backend (Device.restart);
 * 4. rebuilds the networks from the snapshot, with the settings they were trained with;
 * 5. says so: `backendRestored` (where training goes on, and the steps redone), or `deviceRestored`
 *    (whether the weights came back: 'restored', 'lost' or 'none').
 * What a failure costs differs: during a train it ends the train with that error (with no snapshot
 * to go on from, once the backend is restarted); while idle a failed restart is an error of no
 * request, and weights that could not be rebuilt are reported lost (and dropped).
 */
export async function recoverDevice(s: Session, loss: DeviceLoss, during: TrainRequest): Promise<Remaining>;
export async function recoverDevice(s: Session, loss: DeviceLoss): Promise<undefined>;
export async function recoverDevice(s: Session, loss: DeviceLoss, during?: TrainRequest): Promise<Remaining | undefined> {
  const runId = s.out.runId();
  const lostOn = s.device.backend ?? 'webgpu';
  const stepsAtLoss = s.progress?.current;
  if (during) s.stream((ids) => ({ type: 'backendLost', ...ids, backend: lostOn, reason: loss.reason, message: loss.message }));
  else s.out.post({ type: 'deviceLost', runId, backend: lostOn, reason: loss.reason, message: loss.message });
  const hadWeights = s.runner !== undefined;
  const { lastGood: saved, settings, progress } = s;
  s.dropRunner();
  let restarted: { backend: BackendName; reasons: string[] };
  try {
    restarted = await s.device.restart(lostOn);
  } catch (err) {
    if (during) throw err;
    s.dispose();
    s.out.post({ type: 'error', runId, message: `${gpuResource(lostOn)} was lost and no backend could be started again: ${messageOf(err)}. Reload the page.` });
    return undefined;
  }
  let weights: 'restored' | 'lost' | 'none' = hadWeights ? 'lost' : 'none';
  let problem: string | undefined;
  if (hadWeights && saved && settings) {
    try {
      const loaded = await runnerFromModel(saved.modelJson, saved.weightData.slice(0), () => s.scenes, settings, s.events);
      // A train goes on from the snapshot's point; while idle the run stays where it was left.
      s.install(loaded.runner, settings, during ? copyProgress(saved.run) : (progress ?? loaded.run));
      weights = 'restored';
    } catch (err) {
      if (during) throw err;
      problem = messageOf(err);
    }
  } else if (hadWeights) {
    problem = 'no copy of them had been read back';
  }
  if (weights === 'lost') s.dispose();
  if (!during) {
    s.out.post({ type: 'deviceRestored', runId, backend: restarted.backend, reasons: restarted.reasons, weights, ...(problem !== undefined ? { problem } : {}) });
    return undefined;
  }
  if (weights !== 'restored' || saved === undefined) throw new Error(`${gpuResource(lostOn)} was lost (${loss.reason}: ${loss.message}) before any weights were saved; press Train to start again.`);
  const left = remainingOf(saved.run);
  const lostSteps = stepsRedone(stepsAtLoss, left.from);
  s.stream((ids) => ({ type: 'backendRestored', ...ids, backend: restarted.backend, reasons: restarted.reasons, ...(left.from ? { from: left.from } : {}), lostSteps }));
  return left;
}
