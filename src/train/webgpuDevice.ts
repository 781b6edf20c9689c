// The GPU device tfjs-backend-webgpu's own factory (dist/base.js) asks for, and the backend on it:
// used where this project registers that backend itself (after a lost device in the worker, and in
// Node on Dawn, where the package never registers itself).
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

/** A WebGPU backend for tfjs on `adapter`: its features (timestamp queries, bgra8unorm storage) and limits. */
export async function webgpuBackendOn(adapter: GPUAdapter): Promise<WebGPUBackend> {
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
