// The training slice: Train / Pause / Resume / Stop / Reset, per-stage progress, and the bridge
// that sends the dataset to the worker and brings previews back. Loss history and maps go to the
// buffers; the slice holds small numbers only (step counters at most ~10 updates a second).
import { STAGE_NAMES, stageSteps, type StageName } from '../config/settings';
import type { DeviceEvent, StartPoint, TrainEndReply, TrainEvent } from '../train/protocol';
import type { StepReport, TrainScene } from '../train/types';
import { BACKEND_LABEL, gpuResource } from '../config/backends';
import { errorText, patch, type SliceDeps } from './slice';

export interface StageProgress {
  step: number;
  steps: number;
  stepsPerSec: number;
  etaSec: number;
  /** Total loss of the latest step. */
  loss?: number;
  state: 'waiting' | 'running' | 'done' | 'cancelled';
}

export type TrainPhase = 'idle' | 'starting' | 'running' | 'paused' | 'stopping';

export interface TrainingSlice {
  phase: TrainPhase;
  /** Stages of the current or last run. */
  runStages: StageName[];
  current?: StageName;
  progress: Partial<Record<StageName, StageProgress>>;
  /** Stages finished with the worker's current weights. */
  completed: StageName[];
  /** The worker holds networks (trained for at least part of a stage). */
  hasWeights: boolean;
  memory?: { numTensors: number; numBytes: number };
  error?: string;
  /** How the last run ended, in words. */
  lastEnd?: string;
  /** The stage making its teachers' labels before its first step (until that step). */
  labelling?: StageName;
  /** A remark from the worker (e.g. new pairs join at the next step). */
  note?: string;
  /** Bumped when a preview arrives. */
  previewVersion: number;
  /** Dataset version the worker has (-1: none). */
  sentVersion: number;
}

export interface TrainingActions {
  /** Sends the pairs to the worker if they changed since last time. Never rejects. */
  syncScenes: (force?: boolean) => Promise<void>;
  /**
   * Trains the chosen stages (or `resume.stages`, the first from `resume.from`); resolves when
   * the run ends. Never rejects: see `training.error`.
   */
  train: (resume?: { stages: StageName[]; from?: StartPoint }) => Promise<void>;
  pause: () => Promise<void>;
  resume: () => Promise<void>;
  /** Ends the run after the current step, keeping the weights. */
  stop: () => Promise<void>;
  /** Ends any run and drops the weights, previews and loss curves (the dataset stays). */
  reset: () => Promise<void>;
  /** Shows a pair's maps: during training it becomes the preview pair; after, it is predicted. */
  showPair: (id: string) => Promise<void>;
  /** Handles a message streamed by the worker during training. */
  onTrainEvent: (ev: TrainEvent) => void;
  /** Handles a GPU device lost while no training ran, and the worker's recovery from it. */
  onDeviceEvent: (ev: DeviceEvent) => void;
}

export function initialTraining(): TrainingSlice {
  return { phase: 'idle', runStages: [], progress: {}, completed: [], hasWeights: false, previewVersion: 0, sentVersion: -1 };
}

const STEP_PATCH_MS = 100;

function describeEnd(end: TrainEndReply): string {
  if (end.reset) return 'Reset: the networks start from new weights on the next Train.';
  const cut = end.ends.find((e) => e.reason === 'cancelled');
  const done = end.ends.filter((e) => e.reason === 'done').map((e) => `stage ${STAGE_NAMES.indexOf(e.stage) + 1}`);
  if (cut) return `Stopped in stage ${STAGE_NAMES.indexOf(cut.stage) + 1} after ${cut.steps} steps${done.length ? `; finished ${done.join(', ')}` : ''}.`;
  return `Training finished: ${done.join(', ')} done.`;
}

export function trainingSlice(d: SliceDeps): TrainingActions {
  const { get, client, buffers } = d;
  const tr = () => get().training;
  const setTr = (fields: Partial<TrainingSlice>) => patch(d, 'training', fields);
  let latestStep: StepReport | undefined;
  let lastPatch = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;

  const flushStep = () => {
    if (trailing !== undefined) clearTimeout(trailing);
    trailing = undefined;
    const r = latestStep;
    if (!r) return;
    latestStep = undefined;
    lastPatch = Date.now();
    const progress: StageProgress = { step: r.step, steps: r.steps, stepsPerSec: r.stepsPerSec, etaSec: r.etaSec, loss: r.losses.total, state: 'running' };
    setTr({ current: r.stage, progress: { ...tr().progress, [r.stage]: progress }, memory: r.memory, labelling: undefined });
  };

  const onStep = (r: StepReport) => {
    buffers.pushStep(r);
    const stageChanged = tr().current !== r.stage;
    latestStep = r;
    if (stageChanged || r.step === 1 || r.step === r.steps || Date.now() - lastPatch >= STEP_PATCH_MS) flushStep();
    else if (trailing === undefined) trailing = setTimeout(flushStep, STEP_PATCH_MS);
  };

  /** The predict loop of showPair while it runs, and the pair it should predict next. */
  let predicting: Promise<void> | undefined;
  let wantedPair: string | undefined;

  const clearTrained = () => {
    buffers.clearLosses();
    buffers.clearPreviews();
    setTr({ progress: {}, completed: [], hasWeights: false, current: undefined, previewVersion: tr().previewVersion + 1 });
  };

  const control = async (action: 'pause' | 'resume' | 'cancel' | 'reset') => {
    try {
      const ack = await client.control(action);
      if (ack.note) setTr({ note: ack.note });
    } catch (err) {
      setTr({ error: errorText(err) });
    }
  };

  return {
    syncScenes: async (force = false) => {
      if (!get().runtime.ready) return;
      const version = get().dataset.version;
      if (!force && version === tr().sentVersion) return;
      setTr({ sentVersion: version });
      const scenes: TrainScene[] = get().dataset.pairs.flatMap((p) => {
        const s = buffers.scenes.get(p.id);
        if (!s) return [];
        // Copies: their buffers are transferred to the worker; the page keeps its own for drawing.
        return [{ id: s.id, name: s.name, width: s.width, height: s.height, leftImg: s.leftImg.data.slice(), rightImg: s.rightImg.data.slice(), gtDisp: s.gtDisp?.data.slice(), nonOccMask: s.nonOccMask?.slice() }];
      });
      try {
        const ack = await client.setScenes(scenes);
        setTr({ note: ack.note });
      } catch (err) {
        setTr({ sentVersion: -1, error: `Could not send the pairs to the worker: ${errorText(err)}` });
      }
    },

    train: async (resume) => {
      const s = get();
      if (s.training.phase !== 'idle') return;
      const stages = resume?.stages ?? s.settings.stages;
      const problems = Object.values(s.settings.problems);
      const refuse =
        !s.runtime.ready ? 'the compute backend is not ready yet'
        : s.dataset.pairs.length === 0 ? 'add at least one stereo pair first'
        : problems.length > 0 ? `fix the settings first: ${problems.join('; ')}`
        : stages.length === 0 ? 'choose at least one stage'
        : s.model.loading !== undefined ? 'a model is loading'
        : undefined;
      if (refuse) {
        setTr({ error: `Cannot train: ${refuse}.` });
        return;
      }
      setTr({ phase: 'starting', error: undefined, lastEnd: undefined, note: undefined });
      await get().syncScenes();
      const selected = get().dataset.selectedId;
      if (selected !== undefined) await client.previewScene(selected).catch(() => undefined);
      try {
        const end = await client.train(s.settings.values, stages, resume?.from);
        flushStep();
        setTr({ phase: 'idle', completed: end.trainer.completed, hasWeights: end.trainer.state !== 'none', lastEnd: describeEnd(end), current: undefined, labelling: undefined });
        if (end.reset) clearTrained();
        await get().autosaveAfterRun(end);
      } catch (err) {
        flushStep();
        setTr({ phase: 'idle', error: `Training failed: ${errorText(err)}`, current: undefined, labelling: undefined });
        return;
      }
      const now = get().dataset.selectedId;
      if (tr().hasWeights && now !== undefined) await get().showPair(now);
    },

    pause: async () => {
      if (tr().phase !== 'running') return;
      setTr({ phase: 'paused' });
      await control('pause');
    },

    resume: async () => {
      if (tr().phase !== 'paused') return;
      setTr({ phase: 'running' });
      await control('resume');
    },

    stop: async () => {
      if (tr().phase !== 'running' && tr().phase !== 'paused') return;
      setTr({ phase: 'stopping' });
      await control('cancel');
    },

    reset: async () => {
      const phase = tr().phase;
      if (phase === 'idle') {
        await control('reset');
        clearTrained();
        setTr({ lastEnd: 'Reset: the networks start from new weights on the next Train.', error: undefined });
        await get().autosaveAfterRun({ reset: true } as TrainEndReply); // the saved run goes too
        return;
      }
      setTr({ phase: 'stopping' });
      await control('reset'); // the train promise then ends with `reset`, which clears the rest
    },

    showPair: async (id) => {
      const phase = tr().phase;
      if (phase !== 'idle') {
        await client.previewScene(id).then(
          (ack) => setTr({ note: ack.note }),
          () => undefined,
        );
        return;
      }
      if (!tr().hasWeights) return;
      // One predict at a time (the worker refuses a second as busy): a pair asked for meanwhile
      // is predicted next, and only the latest one asked for.
      wantedPair = id;
      predicting ??= (async () => {
        try {
          while (wantedPair !== undefined) {
            const next = wantedPair;
            wantedPair = undefined;
            await get().syncScenes();
            try {
              const reply = await client.predict(next);
              buffers.setPreview(reply.maps);
              setTr({ previewVersion: tr().previewVersion + 1 });
            } catch (err) {
              setTr({ note: `No maps for this pair yet: ${errorText(err)}` });
            }
          }
        } finally {
          predicting = undefined;
        }
      })();
      await predicting;
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
          if (ev.freshWeights) clearTrained();
          else buffers.clearLosses(ev.stages);
          const v = get().settings.values;
          const progress = { ...tr().progress };
          for (const st of ev.stages) progress[st] = { step: ev.from?.stage === st ? ev.from.step : 0, steps: stageSteps(v, st), stepsPerSec: 0, etaSec: NaN, state: 'waiting' };
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
