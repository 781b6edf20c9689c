// The training slice's bookkeeping of what the worker reports: per-stage progress from its step
// reports (patched into the store at most ~10 times a second: loss history and maps go to the
// buffers), the measured step time, previews, stage starts and ends, and a lost GPU device and the
// recovery from it, in training or idle. The run itself (Train, Adapt, Pause, Stop, Reset) is
// ./training.ts, which shares the run in progress with this file through `LiveRun`.
// Shown by store.test.ts: "runs three stages: ... streams progress", "a lost GPU device during
// training", "a GPU device lost while idle".
import { STAGE_NAMES, stageSteps, type StageName } from '../config/settings';
import { BACKEND_LABEL, gpuResource } from '../config/backends';
import type { StepReport } from '../train/types';
import { stepCostKey } from './stepCost';
import { patch, type SliceDeps } from './slice';
import type { PairScope, StageProgress, TrainingActions, TrainingSlice } from './training';

/** What the run's lifecycle (./training.ts) and the worker's events know of the run in progress. */
export interface LiveRun {
  /** Which pairs the worker should have now: the user's own while Adapt runs. */
  scope: PairScope;
  /** The time budget of each stage of the run being started (undefined: step counts), for its progress before the first step. */
  budgets?: Partial<Record<StageName, number>>;
  /** When the worker said the current run started (Date.now()). */
  startedAt: number;
}

export interface ProgressBook extends Pick<TrainingActions, 'onTrainEvent' | 'onDeviceEvent'> {
  /** Writes the latest step report held back by the throttle into the store now. */
  flushStep: () => void;
  /** Measures step time afresh from the next step (after a pause, or when a run ends: the wait is not step time). */
  restartStepClock: () => void;
  /** Drops the loss curves, previews and progress of weights that are gone. */
  clearTrained: () => void;
}

/** Least milliseconds between two step patches of the store; a new stage and a stage's first and last steps are patched at once. */
const STEP_PATCH_MS = 100;

export function progressBook(d: SliceDeps, live: LiveRun): ProgressBook {
  const { get, buffers } = d;
  const tr = () => get().training;
  const setTr = (fields: Partial<TrainingSlice>) => patch(d, 'training', fields);
  let latestStep: StepReport | undefined;
  let lastPatch = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;

  /**
   * Where the wall-clock step time of the running stage is measured from: its first step seen
   * (not its label pass) or the first after a resume (not the pause).
   */
  let anchor: { stage: StageName; step: number; at: number } | undefined;

  const measureStep = (r: StepReport) => {
    const now = Date.now();
    if (anchor === undefined || anchor.stage !== r.stage || r.step <= anchor.step) {
      anchor = { stage: r.stage, step: r.step, at: now };
      return;
    }
    const ms = (now - anchor.at) / (r.step - anchor.step);
    const key = stepCostKey(get().runtime.backend, get().settings.values, r.stage);
    if (Number.isFinite(ms) && ms > 0 && tr().stepMs[key] !== ms) setTr({ stepMs: { ...tr().stepMs, [key]: ms } });
  };

  const flushStep = () => {
    if (trailing !== undefined) clearTimeout(trailing);
    trailing = undefined;
    const r = latestStep;
    if (!r) return;
    latestStep = undefined;
    lastPatch = Date.now();
    measureStep(r);
    const progress: StageProgress = { step: r.step, steps: r.steps, stepsPerSec: r.stepsPerSec, etaSec: r.etaSec, loss: r.losses.total, state: 'running', ...(r.budgetSec !== undefined ? { budgetSec: r.budgetSec } : {}) };
    setTr({ current: r.stage, progress: { ...tr().progress, [r.stage]: progress }, memory: r.memory, labelling: undefined });
  };

  const onStep = (r: StepReport) => {
    buffers.pushStep(r);
    const stageChanged = tr().current !== r.stage;
    latestStep = r;
    if (stageChanged || r.step === 1 || r.step === r.steps || Date.now() - lastPatch >= STEP_PATCH_MS) flushStep();
    else if (trailing === undefined) trailing = setTimeout(flushStep, STEP_PATCH_MS);
  };

  const clearTrained = () => {
    buffers.clearLosses();
    buffers.clearPreviews();
    setTr({ progress: {}, completed: [], hasWeights: false, current: undefined, adapt: undefined, previewVersion: tr().previewVersion + 1 });
  };

  return {
    flushStep,
    clearTrained,
    restartStepClock: () => {
      anchor = undefined;
    },

    onDeviceEvent: (ev) => {
      const incident = (text: string, extra: Partial<{ backend: typeof ev.backend }> = {}) => {
        patch(d, 'runtime', { ...extra, incidents: [...get().runtime.incidents, text] });
        setTr({ note: text });
      };
      if (ev.type === 'deviceLost') {
        incident(`${gpuResource(ev.backend)} was lost while idle (${ev.reason}: ${ev.message}). Restarting…`);
        return;
      }
      const on = `Restarted on ${BACKEND_LABEL[ev.backend]}.`;
      if (ev.weights === 'lost') {
        clearTrained();
        incident(`${on} The trained networks could not be rebuilt (${ev.problem ?? 'unknown'}): press Train to train again, or load a saved model. ${ev.reasons.join(' ')}`, { backend: ev.backend });
        return;
      }
      incident(`${on} ${ev.weights === 'restored' ? 'The trained networks were rebuilt from their last weights: nothing was lost.' : 'There were no trained networks to rebuild.'} ${ev.reasons.join(' ')}`, { backend: ev.backend });
    },

    onTrainEvent: (ev) => {
      switch (ev.type) {
        case 'trainStart': {
          live.startedAt = Date.now();
          if (ev.freshWeights) {
            const adapt = tr().adapt;
            clearTrained();
            if (adapt) setTr({ adapt }); // an Adapt from new weights (network size or seed changed) is still scored against what was shown before
          } else buffers.clearLosses(ev.stages);
          const v = get().settings.values;
          const progress = { ...tr().progress };
          for (const st of ev.stages) {
            const budgetSec = live.budgets?.[st];
            const step = ev.from?.stage === st ? ev.from.step : 0;
            progress[st] = budgetSec !== undefined ? { step, steps: step, stepsPerSec: 0, etaSec: budgetSec, state: 'waiting', budgetSec } : { step, steps: stageSteps(v, st), stepsPerSec: 0, etaSec: NaN, state: 'waiting' };
          }
          setTr({ runStages: ev.stages, progress, current: ev.stages[0], phase: tr().phase === 'starting' ? 'running' : tr().phase });
          break;
        }
        case 'step':
          onStep(ev.report);
          break;
        case 'preview':
          buffers.setPreview(ev.maps);
          setTr({ previewVersion: tr().previewVersion + 1 });
          break;
        case 'backendLost': {
          flushStep();
          const text = `${gpuResource(ev.backend)} was lost during training (${ev.reason}: ${ev.message}). Restarting…`;
          patch(d, 'runtime', { incidents: [...get().runtime.incidents, text] });
          setTr({ note: text });
          break;
        }
        case 'backendRestored': {
          const where = ev.from ? `stage ${STAGE_NAMES.indexOf(ev.from.stage) + 1}, step ${ev.from.step}` : 'the start of the next stage';
          const text = `Training goes on on ${BACKEND_LABEL[ev.backend]} from the last saved weights (${where}; ${ev.lostSteps} step${ev.lostSteps === 1 ? '' : 's'} redone). ${ev.reasons.join(' ')}`;
          patch(d, 'runtime', { backend: ev.backend, incidents: [...get().runtime.incidents, text] });
          if (ev.from) {
            const p = tr().progress[ev.from.stage];
            if (p) setTr({ progress: { ...tr().progress, [ev.from.stage]: { ...p, step: ev.from.step } } });
          }
          setTr({ note: text });
          break;
        }
        case 'stageStart':
          flushStep();
          setTr({ current: ev.start.stage, labelling: ev.start.labels ? ev.start.stage : undefined });
          break;
        case 'stageEnd': {
          flushStep();
          const p = tr().progress[ev.end.stage];
          if (p) setTr({ progress: { ...tr().progress, [ev.end.stage]: { ...p, step: ev.end.steps, state: ev.end.reason } } });
          break;
        }
      }
    },
  };
}
