// Worker -> page without a request of their own: what a `train` streams while it runs (stamped
// with that train's `reqId`; the client drops those of an older train), and a GPU device lost and
// recovered while no training ran.
import type { BackendName } from '../../config/backends';
import type { StageName } from '../../config/settings';
import type { PreviewMaps, StageEnd, StageStart, StepReport } from '../types';
import type { StartPoint } from './requests';

export interface TrainStartEvent {
  type: 'trainStart';
  runId: number;
  reqId: number;
  /** The networks are new (first run, after a reset, or the network size or seed changed). */
  freshWeights: boolean;
  stages: StageName[];
  /** A resumed run: where its first stage starts. */
  from?: StartPoint;
}

export interface StepEvent {
  type: 'step';
  runId: number;
  reqId: number;
  report: StepReport;
}

export interface PreviewEvent {
  type: 'preview';
  runId: number;
  reqId: number;
  maps: PreviewMaps;
}

/** A stage begins; with `labels`, it first makes its teachers' labels on the whole scenes (seconds). */
export interface StageStartEvent {
  type: 'stageStart';
  runId: number;
  reqId: number;
  start: StageStart;
}

export interface StageEndEvent {
  type: 'stageEnd';
  runId: number;
  reqId: number;
  end: StageEnd;
}

/** The GPU device under the training was lost (driver reset, GPU removed, or destroyed). */
export interface BackendLostEvent {
  type: 'backendLost';
  runId: number;
  reqId: number;
  backend: BackendName;
  /** The device's own account of it (`GPUDeviceLostInfo`). */
  reason: string;
  message: string;
}

/** Training goes on after a lost device: on `backend`, from the last weights the worker held. */
export interface BackendRestoredEvent {
  type: 'backendRestored';
  runId: number;
  reqId: number;
  backend: BackendName;
  /** How the backend was restarted (a fresh device, or why it moved to another backend). */
  reasons: string[];
  /** Where training goes on: the weights are those of this point. */
  from?: StartPoint;
  /** Steps done after that point and lost with the device. */
  lostSteps: number;
}

/**
 * The GPU device was lost while no training ran (a driver reset or the GPU taken while the app sat
 * idle). The worker restarts on its own: a `deviceRestored` follows. Not tied to a request.
 */
export interface DeviceLostEvent {
  type: 'deviceLost';
  runId: number;
  backend: BackendName;
  reason: string;
  message: string;
}

/** After `deviceLost`: tfjs runs on `backend`; the trained networks were rebuilt from the last weights read back ('restored'), could not be ('lost'), or there were none ('none'). */
export interface DeviceRestoredEvent {
  type: 'deviceRestored';
  runId: number;
  backend: BackendName;
  reasons: string[];
  weights: 'restored' | 'lost' | 'none';
  /** Why the weights could not be rebuilt ('lost'). */
  problem?: string;
}

export type DeviceEvent = DeviceLostEvent | DeviceRestoredEvent;
export const DEVICE_EVENT_TYPES: readonly DeviceEvent['type'][] = ['deviceLost', 'deviceRestored'];

export type TrainEvent = TrainStartEvent | StepEvent | PreviewEvent | StageStartEvent | StageEndEvent | BackendLostEvent | BackendRestoredEvent;
export const TRAIN_EVENT_TYPES: readonly TrainEvent['type'][] = ['trainStart', 'step', 'preview', 'stageStart', 'stageEnd', 'backendLost', 'backendRestored'];
