// The backend tfjs runs on in the training worker: chosen and warmed up at `init`, watched for a
// lost GPU device (WebGPU) or context (WebGL), and started again after one. How a loss is
// recovered (the weights brought back, the page told) is ./recovery.ts's recoverDevice.
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerCpuKernels } from '../backends/cpu';
import { nativeThreads, registerWasmKernels } from '../backends/wasm';
import { registerWebgpuKernels } from '../backends/webgpu';
import { selectBackend, warmUp } from './backend';
import type { BackendName, InitRequest, ReadyReply } from './protocol';
import { restartBackend, watchDeviceLoss, type DeviceLoss } from './recovery';
import { applyWasmThreads, planWasmThreads, type WasmThreadPlan } from './wasmThreads';

/** What `ready` says about the backend (the worker adds the ids and whether it is isolated). */
export type BackendReady = Omit<ReadyReply, 'type' | 'runId' | 'reqId' | 'crossOriginIsolated'>;

export class Device {
  /** The backend tfjs runs on; undefined before the first init. */
  backend: BackendName | undefined;
  /** A backend is set and warmed up. */
  ready = false;
  /** Set when the GPU device is lost, until tfjs runs on a fresh one: the run in progress stops and recovers. */
  loss: DeviceLoss | undefined;
  /** The wasm thread count, chosen at the first init (the wasm module reads it once). */
  private wasmPlan: WasmThreadPlan | undefined;

  /** `onLost` is told of each loss, after `loss` is set. */
  constructor(private readonly onLost: (loss: DeviceLoss) => void) {}

  /** Backends whose device can be lost under us (on the CPU ones there is nothing to recover). */
  get onGpu(): boolean {
    return this.backend === 'webgpu' || this.backend === 'webgl';
  }

  /** `init`: chooses (or forces) the backend and warms it up. `cores`: the machine's logical cores. */
  async start(msg: InitRequest, cores: number): Promise<BackendReady> {
    this.ready = false;
    // The wasm module reads its thread count once, when it first starts; later inits keep it.
    if (this.wasmPlan === undefined) {
      this.wasmPlan = planWasmThreads(cores, msg.wasmThreads, msg.step);
      applyWasmThreads(this.wasmPlan.threads);
    }
    // our own kernels, before any backend runs an op (once; later inits find them registered)
    registerWasmKernels();
    registerWebgpuKernels();
    registerCpuKernels();
    const choice = await selectBackend(msg.backend);
    this.backend = choice.backend;
    const warmupMs = await warmUp();
    this.watch();
    this.ready = true;
    const wasmThreads = choice.backend === 'wasm' ? getThreadsCount() : undefined;
    const threads = wasmThreads !== undefined ? { wasmThreads, wasmThreadsNote: this.wasmPlan.note, wasmConvThreads: nativeThreads() } : {};
    return { ...choice, warmupMs, ...threads };
  }

  /**
   * After `lostOn` lost its device (the caller has dropped every tensor): tfjs on a fresh device or
   * the next backend, warmed up and watched. The loss is over either way; on a failure no backend is ready.
   */
  async restart(lostOn: BackendName): Promise<{ backend: BackendName; reasons: string[] }> {
    this.ready = false;
    let restarted: { backend: BackendName; reasons: string[] };
    try {
      restarted = await restartBackend(lostOn);
    } finally {
      this.loss = undefined;
    }
    this.backend = restarted.backend;
    await warmUp();
    this.watch();
    this.ready = true;
    return restarted;
  }

  private watch(): void {
    watchDeviceLoss((loss) => {
      this.loss = loss;
      this.onLost(loss);
    });
  }
}
