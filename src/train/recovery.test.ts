// The one recovery from a lost device (recoverDevice), during a train and while idle, through the
// worker's Session: on wasm in Node, with a stand-in device that says it is on WebGPU (so the
// session reads weights back as on a GPU) and whose restart keeps tfjs where it is. The real
// loss on a real device is e2e/soak.spec.ts; this shows the sequence and the failure paths.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmKernels } from '../backends/wasm';
import { defaultSettings, type TrainSettings } from '../config/settings';
import { layeredScene } from '../testing/scenes';
import type { Device } from './device';
import type { BackendName, FromWorker, TrainRequest } from './protocol';
import { recoverDevice, type DeviceLoss } from './recovery';
import { Session } from './session';
import type { TrainScene } from './types';

registerWasmKernels();

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

const LOSS: DeviceLoss = { reason: 'destroyed', message: 'test' };

/** Device's part that the session and the recovery use. */
class StandInDevice {
  backend: BackendName = 'webgpu';
  ready = true;
  loss: DeviceLoss | undefined;
  restarts = 0;
  /** The next restart fails with this. */
  failRestart?: Error;
  constructor(public onGpu = true) {}
  async restart(lostOn: BackendName): Promise<{ backend: BackendName; reasons: string[] }> {
    this.ready = false;
    this.loss = undefined;
    this.restarts += 1;
    if (this.failRestart) throw this.failRestart;
    this.ready = true;
    return { backend: lostOn, reasons: ['Restarted on a fresh WebGPU device.'] };
  }
}

async function scene(id: string): Promise<TrainScene> {
  const s = layeredScene({ H: 64, W: 128, bg: 4, fg: 12, x0: 36, x1: 100, seed: 3 });
  const out: TrainScene = { id, name: id, width: 128, height: 64, leftImg: (await s.leftImg.data()) as Float32Array, rightImg: (await s.rightImg.data()) as Float32Array };
  tf.dispose(Object.values(s));
  return out;
}

const settings: TrainSettings = { ...defaultSettings(), preset: 'tiny', width: 64, height: 32, batch: 1, previewEvery: 1000, stepsStereo: 6 };
const trainRequest: TrainRequest = { type: 'train', runId: 1, reqId: 2, settings, stages: ['stereo'] };

async function setup(onGpu = true) {
  const device = new StandInDevice(onGpu);
  const posted: FromWorker[] = [];
  const session = new Session(device as unknown as Device, { post: (msg) => posted.push(msg), runId: () => 1 });
  session.setScenes([await scene('a')]);
  return { device, session, posted, types: () => posted.map((m) => m.type) };
}

async function weights(session: Session): Promise<number[]> {
  return Array.from(new Uint8Array((await session.checkpoint()).weightData));
}

describe('recoverDevice during a train', () => {
  it('says so, restarts, rebuilds the networks from the last weights read back and trains on to the end', async () => {
    const { device, session, posted, types } = await setup();
    // The device is lost at step 4, as the real one tells the worker: loss set, then the runner cancelled.
    const post = session.out.post;
    session.out.post = (msg, transfer) => {
      post(msg, transfer);
      if (msg.type === 'step' && msg.report.step === 4 && device.restarts === 0) {
        device.loss = LOSS;
        session.cancel();
      }
    };
    const end = await session.train(trainRequest);
    expect(device.restarts).toBe(1);
    const steps = posted.flatMap((m) => (m.type === 'step' ? [m.report.step] : []));
    // Only the snapshot at the start is within 10 s here: training goes on from step 0, 4 steps redone.
    expect(steps).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 5, 6]);
    expect(types().filter((t) => t === 'backendLost' || t === 'backendRestored')).toEqual(['backendLost', 'backendRestored']);
    expect(posted.find((m) => m.type === 'backendLost')).toEqual({ type: 'backendLost', runId: 1, reqId: 2, backend: 'webgpu', reason: 'destroyed', message: 'test' });
    expect(posted.find((m) => m.type === 'backendRestored')).toEqual({ type: 'backendRestored', runId: 1, reqId: 2, backend: 'webgpu', reasons: ['Restarted on a fresh WebGPU device.'], lostSteps: 4 });
    expect(end).toMatchObject({ type: 'trainEnd', ends: [{ stage: 'stereo', steps: 6, reason: 'done' }], reset: false, trainer: { state: 'idle', completed: ['stereo'] } });
    session.dispose();
  });

  it('with no weights read back, ends the train with an error once the backend is restarted', async () => {
    const { device, session, posted } = await setup(false); // on a backend with no device to lose, no snapshot is taken
    session.out.post = (msg) => {
      posted.push(msg);
      if (msg.type === 'step' && msg.report.step === 2) {
        device.loss = LOSS;
        session.cancel();
      }
    };
    await expect(session.train(trainRequest)).rejects.toThrow('The WebGPU device was lost (destroyed: test) before any weights were saved; press Train to start again.');
    expect([device.restarts, device.ready, device.loss]).toEqual([1, true, undefined]);
    expect(session.summary().state).toBe('none');
    expect(posted.map((m) => m.type)).not.toContain('backendRestored');
  });
});

describe('recoverDevice while idle', () => {
  it('rebuilds the same networks, bit for bit, from the weights read back at the end of the run', async () => {
    const { device, session, posted, types } = await setup();
    await session.train(trainRequest);
    const before = await weights(session);
    const progress = session.progress;
    posted.length = 0;
    device.loss = LOSS;
    await recoverDevice(session, LOSS);
    expect(posted).toEqual([
      { type: 'deviceLost', runId: 1, backend: 'webgpu', reason: 'destroyed', message: 'test' },
      { type: 'deviceRestored', runId: 1, backend: 'webgpu', reasons: ['Restarted on a fresh WebGPU device.'], weights: 'restored' },
    ]);
    expect(types()).toEqual(['deviceLost', 'deviceRestored']);
    expect(await weights(session)).toEqual(before);
    expect(session.progress).toBe(progress); // the run stays where it was left
    expect(session.summary()).toMatchObject({ state: 'idle', completed: ['stereo'] });
    session.dispose();
  });

  it('reports the weights lost when no copy was read back, and drops them', async () => {
    const { device, session, posted } = await setup(false);
    await session.train(trainRequest);
    posted.length = 0;
    device.loss = LOSS;
    await recoverDevice(session, LOSS);
    expect(posted[1]).toEqual({ type: 'deviceRestored', runId: 1, backend: 'webgpu', reasons: ['Restarted on a fresh WebGPU device.'], weights: 'lost', problem: 'no copy of them had been read back' });
    expect(session.summary().state).toBe('none');
    expect(session.settings).toBeUndefined();
  });

  it('says when no backend could be started again: an error of no request, the weights dropped', async () => {
    const { device, session, posted } = await setup();
    await session.train(trainRequest);
    posted.length = 0;
    device.loss = LOSS;
    device.failRestart = new Error('no adapter');
    await recoverDevice(session, LOSS);
    expect(posted).toEqual([
      { type: 'deviceLost', runId: 1, backend: 'webgpu', reason: 'destroyed', message: 'test' },
      { type: 'error', runId: 1, message: 'The WebGPU device was lost and no backend could be started again: no adapter. Reload the page.' },
    ]);
    expect([device.ready, session.summary().state, session.lastGood]).toEqual([false, 'none', undefined]);
  });

  it('with no networks, restarts and says there were none', async () => {
    const { device, session, posted } = await setup();
    device.loss = LOSS;
    await recoverDevice(session, LOSS);
    expect(posted[1]).toMatchObject({ type: 'deviceRestored', weights: 'none' });
    expect(device.restarts).toBe(1);
  });
});
