// Recovery from a lost GPU device. A WebGPU device or a WebGL context can be lost at any time (a
// driver reset, the GPU taken by the system, the tab in the background on some platforms), during
// training or while the app sits idle; every tensor on it is gone.
// The worker keeps the last weights it read back (src/train/worker.ts), and these functions let
// it notice the loss, start again on a fresh device (or the next backend) and go on.
//
// WebGPU signals a loss with `GPUDevice.lost`; WebGL with a 'webglcontextlost' event on the
// context's canvas (an OffscreenCanvas in the worker), and `isContextLost()` from then on.
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { messageOf, selectBackend, trySetBackend } from './backend';
import type { BackendName } from './protocol';
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
