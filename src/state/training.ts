// The training slice: its state, and the run's lifecycle: Train and Adapt, Pause / Resume / Stop /
// Reset, and the bridge that sends the dataset to the worker. What the worker reports during a run
// (progress, step times, previews, a lost device) is booked by ./trainingProgress.ts; the maps of
// the selected pair, and Adapt's scores, come from ./trainingPreview.ts. Loss history and maps go
// to the buffers; the slice holds small numbers only (step counters at most ~10 updates a second).
import { STAGE_NAMES, stageBudgets, type StageName } from '../config/settings';
import type { DeviceEvent, StartPoint, TrainEndReply, TrainEvent } from '../train/protocol';
import type { TrainScene } from '../train/types';
import { ADAPT_DEFAULT_SECONDS, adaptBudgetProblem, ownPairs, type AdaptRun, type MapScores } from './adapt';
import { errorText, patch, type SliceDeps } from './slice';
import { storedStepMs, storeStepMs } from './stepCost';
import { predictions } from './trainingPreview';
import { progressBook, type LiveRun } from './trainingProgress';

export { stepCostKey } from './stepCost';

export interface StageProgress {
  step: number;
  steps: number;
  stepsPerSec: number;
  etaSec: number;
  /** Total loss of the latest step. */
  loss?: number;
  state: 'waiting' | 'running' | 'done' | 'cancelled';
  /** The stage's share of a time budget in seconds (then `steps` is an estimate and `etaSec` the time left of the share). */
  budgetSec?: number;
}

/** Which pairs the worker trains on: all of them, or the user's own only (Adapt). */
export type PairScope = 'all' | 'own';

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
  /** Which of the pairs of that version it has. */
  sentScope: PairScope;
  /** The budget typed next to Adapt, in seconds (not a setting: it never goes into the URL or a saved model). */
  adaptSeconds: number;
  /** Why the last budget typed there was refused (`adaptSeconds` keeps the last good one). */
  adaptProblem?: string;
  /** The Adapt run in progress, or the last one while its weights are the current ones. */
  adapt?: AdaptRun;
  /**
   * Measured wall milliseconds per training step (previews and read-backs included), by
   * `stepCostKey`: what the run's time estimate is made of (src/train/runProgress.ts,
   * estimateRun). Kept in localStorage, so a page opened again estimates before its first run.
   */
  stepMs: Record<string, number>;
}

export interface TrainingActions {
  /** Sends the pairs to the worker if they changed since last time. Never rejects. */
  syncScenes: (force?: boolean) => Promise<void>;
  /**
   * Trains the chosen stages (or `resume.stages`, the first from `resume.from`); resolves when
   * the run ends. Never rejects: see `training.error`.
   */
  train: (resume?: { stages: StageName[]; from?: StartPoint }) => Promise<void>;
  /**
   * Adapt: trains the three stages from the current weights on the user's own pairs only (not
   * the samples), within `budgetSeconds` (default: `adaptSeconds`) shared 50/30/20 %, and scores
   * the pairs with GT before and after. `resume`: the stages left of an interrupted Adapt.
   * Resolves when the run ends. Never rejects: see `training.error`.
   */
  adapt: (opts?: { budgetSeconds?: number; resume?: { stages: StageName[]; from?: StartPoint } }) => Promise<void>;
  /** The budget for Adapt, as typed (checked: a refused value goes to `adaptProblem`). */
  setAdaptSeconds: (value: unknown) => void;
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
  return { phase: 'idle', runStages: [], progress: {}, completed: [], hasWeights: false, previewVersion: 0, sentVersion: -1, sentScope: 'all', adaptSeconds: ADAPT_DEFAULT_SECONDS, stepMs: storedStepMs() };
}

function describeEnd(end: TrainEndReply): string {
  if (end.reset) return 'Reset: the networks start from new weights on the next Train.';
  const cut = end.ends.find((e) => e.reason === 'cancelled');
  const done = end.ends.filter((e) => e.reason === 'done').map((e) => `stage ${STAGE_NAMES.indexOf(e.stage) + 1}`);
  if (cut) return `Stopped in stage ${STAGE_NAMES.indexOf(cut.stage) + 1} after ${cut.steps} steps${done.length ? `; finished ${done.join(', ')}` : ''}.`;
  return `Training finished: ${done.join(', ')} done.`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeAdapt(end: TrainEndReply, run: AdaptRun): string {
  const took = run.seconds !== undefined ? ` in ${run.seconds.toFixed(1)} s` : '';
  const steps = end.ends.map((e) => `stage ${STAGE_NAMES.indexOf(e.stage) + 1} ${plural(e.steps, 'step')}`).join(', ');
  const cut = end.ends.find((e) => e.reason === 'cancelled');
  const what = cut ? `Adapt stopped in stage ${STAGE_NAMES.indexOf(cut.stage) + 1}` : `Adapted to ${plural(run.pairIds.length, 'pair')} of yours`;
  return `${what}${took} (budget ${run.budgetSec} s): ${steps}.`;
}

export function trainingSlice(d: SliceDeps): TrainingActions {
  const { get, client, buffers } = d;
  const tr = () => get().training;
  const setTr = (fields: Partial<TrainingSlice>) => patch(d, 'training', fields);
  const live: LiveRun = { scope: 'all', startedAt: 0 };
  const book = progressBook(d, live);
  const maps = predictions(d, live);

  const setAdapt = (fields: Partial<AdaptRun>) => {
    const a = tr().adapt;
    if (a) setTr({ adapt: { ...a, ...fields } });
  };

  const control = async (action: 'pause' | 'resume' | 'cancel' | 'reset') => {
    try {
      const ack = await client.control(action);
      if (ack.note) setTr({ note: ack.note });
    } catch (err) {
      setTr({ error: errorText(err) });
    }
  };

  /**
   * One run of the worker's `train`, for Train and Adapt alike. Train: the given stages on every
   * pair, with the settings' step counts (or their budget). Adapt (`adaptSec`): the given stages
   * on the user's own pairs only, within that budget for this run only, with the pairs that have
   * GT scored from the weights it starts from and from those it ends with (see ./adapt.ts).
   */
  const run = async (stages: StageName[], from: StartPoint | undefined, adaptSec?: number): Promise<void> => {
    const s = get();
    if (s.training.phase !== 'idle') return;
    const adapting = adaptSec !== undefined;
    const own = ownPairs(s.dataset.pairs);
    const problems = Object.values(s.settings.problems);
    const refuse =
      !s.runtime.ready ? 'the compute backend is not ready yet'
      : s.dataset.pairs.length === 0 ? 'add at least one stereo pair first'
      : adapting && !s.training.hasWeights ? 'load a model (or train one) first: Adapt starts from the current weights'
      : adapting && own.length === 0 ? 'add pairs of your own first (Adapt leaves the sample scenes out)'
      : adapting && !(Number.isFinite(adaptSec) && adaptSec > 0) ? 'give a time budget above 0 s'
      : problems.length > 0 ? `fix the settings first: ${problems.join('; ')}`
      : stages.length === 0 ? 'choose at least one stage'
      : s.model.loading !== undefined ? 'a model is loading'
      : undefined;
    if (refuse) {
      setTr({ error: `Cannot ${adapting ? 'adapt' : 'train'}: ${refuse}.` });
      return;
    }
    const values = s.settings.values;
    live.budgets = stageBudgets({ budgetSeconds: adaptSec ?? values.budgetSeconds }, STAGE_NAMES.filter((st) => stages.includes(st)));
    const adapt: AdaptRun | undefined = adapting
      ? { budgetSec: adaptSec, state: 'before', pairIds: own.map((p) => p.id), ...(s.model.origin ? { from: s.model.origin.label } : {}), before: {}, after: {} }
      : undefined;
    // a Train leaves no Adapt record behind: its before / after no longer describe the weights
    setTr({ phase: 'starting', error: undefined, lastEnd: undefined, note: undefined, adapt });
    if (adapt) {
      try {
        await maps.shown(); // the maps being shown first (the worker predicts one pair at a time)
        setAdapt({ before: await maps.scorePairs(adapt.pairIds), state: 'running' });
      } catch (err) {
        setTr({ phase: 'idle', adapt: undefined, error: `Cannot adapt: scoring the current weights failed: ${errorText(err)}` });
        return;
      }
      live.scope = 'own';
    }
    let end: TrainEndReply | undefined;
    let failure: unknown;
    try {
      await get().syncScenes();
      const selected = get().dataset.selectedId;
      if (selected !== undefined) await client.previewScene(selected).catch(() => undefined);
      live.startedAt = Date.now();
      end = await client.train(values, stages, from, adaptSec);
    } catch (err) {
      failure = err;
    } finally {
      live.scope = 'all';
      book.flushStep();
    }
    const seconds = (Date.now() - live.startedAt) / 1000;
    book.restartStepClock();
    storeStepMs(tr().stepMs);
    const over = { current: undefined, labelling: undefined };
    if (end === undefined) {
      if (adapt) setAdapt({ state: 'failed' });
      setTr({ ...over, phase: adapt ? 'stopping' : 'idle', error: `${adapt ? 'Adapt' : 'Training'} failed: ${errorText(failure)}` });
      if (adapt) {
        await get().syncScenes(); // every pair again
        setTr({ phase: 'idle' });
      }
      return;
    }
    const trained = { completed: end.trainer.completed, hasWeights: end.trainer.state !== 'none' };
    if (!adapt) {
      setTr({ ...over, ...trained, phase: 'idle', lastEnd: describeEnd(end) });
      if (end.reset) book.clearTrained();
      await get().autosaveAfterRun(end);
    } else {
      // Still busy (not 'idle') until the adapted weights are scored: the buttons wait for it.
      setTr({ ...over, ...trained, phase: 'stopping' });
      setAdapt({ seconds, state: 'after' });
      if (end.reset) book.clearTrained();
      await get().autosaveAfterRun(end);
      await get().syncScenes(); // every pair again
      if (!end.reset) {
        let after: Record<string, MapScores> = {};
        try {
          after = await maps.scorePairs(adapt.pairIds);
        } catch (err) {
          setTr({ note: `The adapted weights could not be scored: ${errorText(err)}` });
        }
        setAdapt({ after, state: end.ends.some((e) => e.reason === 'cancelled') ? 'stopped' : 'done' });
      }
      setTr({ phase: 'idle', lastEnd: end.reset ? describeEnd(end) : describeAdapt(end, { ...adapt, seconds }) });
    }
    const now = get().dataset.selectedId;
    if (tr().hasWeights && now !== undefined && tr().adapt?.after[now] === undefined) await get().showPair(now);
  };

  return {
    syncScenes: async (force = false) => {
      if (!get().runtime.ready) return;
      const version = get().dataset.version;
      const want = live.scope;
      if (!force && version === tr().sentVersion && want === tr().sentScope) return;
      setTr({ sentVersion: version, sentScope: want });
      const pairs = want === 'own' ? ownPairs(get().dataset.pairs) : get().dataset.pairs;
      const scenes: TrainScene[] = pairs.flatMap((p) => {
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

    train: (resume) => run(resume?.stages ?? get().settings.stages, resume?.from),

    adapt: (opts = {}) => {
      const budgetSec = opts.budgetSeconds ?? tr().adaptSeconds;
      return run(opts.resume?.stages ?? [...STAGE_NAMES], opts.resume?.from, budgetSec);
    },

    setAdaptSeconds: (value) => {
      const problem = adaptBudgetProblem(value);
      if (problem !== null) setTr({ adaptProblem: problem });
      else setTr({ adaptSeconds: value as number, adaptProblem: undefined });
    },

    pause: async () => {
      if (tr().phase !== 'running') return;
      book.restartStepClock(); // the pause is not step time
      setTr({ phase: 'paused' });
      await control('pause');
    },

    resume: async () => {
      if (tr().phase !== 'paused') return;
      book.restartStepClock();
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
      const scoring = tr().adapt?.state;
      if (scoring === 'before' || scoring === 'after') {
        // no run in the worker to cut short, and the scores need the weights: Reset waits for them (seconds)
        setTr({ note: 'Adapt is scoring the weights on your pairs: press Reset again once it has.' });
        return;
      }
      if (phase === 'idle') {
        await control('reset');
        book.clearTrained();
        setTr({ lastEnd: 'Reset: the networks start from new weights on the next Train.', error: undefined });
        await get().autosaveAfterRun({ reset: true } as TrainEndReply); // the saved run goes too
        return;
      }
      setTr({ phase: 'stopping' });
      await control('reset'); // the train promise then ends with `reset`, which clears the rest
    },

    showPair: maps.showPair,
    onDeviceEvent: book.onDeviceEvent,
    onTrainEvent: book.onTrainEvent,
  };
}
