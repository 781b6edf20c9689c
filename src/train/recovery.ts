// Recovery from a lost GPU device. A WebGPU device can be lost mid-run (a driver reset, the GPU
// taken by the system, the tab in the background on some platforms); every tensor on it is gone.
// The worker keeps the last weights it read back (src/train/worker.ts), and these functions let
// it notice the loss, start again on a fresh device (or the next backend) and go on.
//
// Only WebGPU has a loss signal here (`GPUDevice.lost`). tfjs's WebGL backend has no public one.
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { messageOf, selectBackend, trySetBackend } from './backend';
import type { BackendName } from './protocol';

export interface DeviceLoss {
  reason: string;
  message: string;
}

/** The backend whose device is being watched (a loss of any other is old news). */
let watched: WebGPUBackend | undefined;
/** Resolves when the watched device is lost. */
let lostSignal: Promise<unknown> | undefined;

/** Calls `onLost` once if the device of the current WebGPU backend is lost; nothing on other backends. */
export function watchDeviceLoss(onLost: (loss: DeviceLoss) => void): void {
  watched = undefined;
  if (tf.getBackend() !== 'webgpu') return;
  const backend = tf.backend() as WebGPUBackend;
  watched = backend;
  lostSignal = backend.device.lost;
  void backend.device.lost.then((info) => {
    if (watched !== backend) return;
    watched = undefined;
    onLost({ reason: String(info.reason ?? 'unknown'), message: info.message || 'no message' });
  });
}

/**
 * After an error on WebGPU: waits up to `ms` for the device's loss to be reported (a read-back
 * on a lost device can fail before `device.lost` resolves). True when it was lost.
 */
export async function lostWithin(ms: number): Promise<boolean> {
  if (lostSignal === undefined) return false;
  const timer = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms));
  return Promise.race([lostSignal.then(() => true), timer]);
}

/** Destroys the current WebGPU device, as a GPU reset would. False on other backends. */
export function loseDevice(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  (tf.backend() as WebGPUBackend).device.destroy();
  return true;
}

/** tfjs-backend-webgpu's own factory (dist/base.js), registered again after a loss. */
async function createWebGpuBackend(): Promise<WebGPUBackend> {
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: tf.env().get('WEBGPU_USE_LOW_POWER_GPU') ? 'low-power' : 'high-performance' });
  if (adapter === null) throw new Error('navigator.gpu.requestAdapter() returned no adapter');
  const requiredFeatures: GPUFeatureName[] = [];
  if (adapter.features.has('timestamp-query')) requiredFeatures.push('timestamp-query');
  if (adapter.features.has('bgra8unorm-storage')) requiredFeatures.push('bgra8unorm-storage' as GPUFeatureName);
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
  const info = (adapter as GPUAdapter & { info?: unknown }).info;
  return new WebGPUBackend(device, info as ConstructorParameters<typeof WebGPUBackend>[1]);
}

/**
 * After `lost` lost its device (the caller has disposed every tensor it held): a fresh backend
 * of the same kind, else the automatic choice among the others. Returns where tfjs runs now
 * and how it got there.
 */
export async function restartBackend(lost: BackendName): Promise<{ backend: BackendName; reasons: string[] }> {
  const reasons: string[] = [];
  if (lost === 'webgpu') {
    try {
      tf.removeBackend('webgpu'); // its buffers and pipelines belong to the dead device
      tf.registerBackend('webgpu', createWebGpuBackend, 3);
      await trySetBackend('webgpu');
      return { backend: 'webgpu', reasons: ['Restarted on a fresh WebGPU device.'] };
    } catch (err) {
      reasons.push(`A fresh WebGPU device could not be started: ${messageOf(err)}.`);
      try {
        tf.removeBackend('webgpu'); // so the automatic choice below does not land on it again
      } catch {
        // not registered: nothing to remove
      }
    }
  }
  const choice = await selectBackend();
  return { backend: choice.backend, reasons: [...reasons, `Moved to ${choice.backend}.`, ...choice.reasons] };
}
