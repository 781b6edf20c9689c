// Training controls and progress: which stages to run, Train / Pause / Resume / Stop / Reset,
// step counter, rate and ETA per stage, and live loss curves (saving the model: ModelPanel).
import { STAGE_LABELS, STAGE_NAMES, stageBudgets, stageSteps, type StageName } from '../config/settings';
import { stepCostKey, type StageProgress } from '../state/training';
import type { AppState } from '../state/store';
import { estimateRun, type StagePlan } from '../train/runProgress';
import { LossChart } from './LossChart';
import { clock } from './status';
import { useApp } from './StoreContext';

/**
 * The badge after a stage's name: "stopped at 10 / 100" when the last run cut it short (its
 * weights are part-trained by that run, whatever an earlier run finished), "trained" when it is
 * among the finished stages of the current weights.
 */
export function stageBadge(done: boolean, p: StageProgress | undefined): string | undefined {
  if (p?.state === 'cancelled') return p.budgetSec !== undefined ? `stopped at step ${p.step}` : `stopped at ${p.step} / ${p.steps}`;
  return done ? 'trained' : undefined;
}

const stageList = (stages: readonly StageName[]) => stages.map((st) => STAGE_NAMES.indexOf(st) + 1).join(', ');

/**
 * The time of the ticked stages before a run, and of the run's stages during it (what is left of
 * about how long in all), from the step times measured on this backend with these settings
 * (src/train/runProgress.ts, estimateRun).
 */
export function runEstimateText(s: AppState): string {
  const t = s.training;
  const v = s.settings.values;
  const running = (t.phase === 'running' || t.phase === 'paused') && t.runStages.length > 0;
  const stages = running ? t.runStages : STAGE_NAMES.filter((st) => s.settings.stages.includes(st));
  if (stages.length === 0) return '';
  const budgets = stageBudgets(v, stages);
  const plans: StagePlan[] = stages.map((st) => {
    const msPerStep = t.stepMs[stepCostKey(s.runtime.backend, v, st)];
    const p = running ? t.progress[st] : undefined;
    if (!p) return { stage: st, steps: stageSteps(v, st), done: 0, msPerStep, ...(budgets ? { budgetSec: budgets[st] } : {}) };
    const finished = p.state === 'done' || p.state === 'cancelled';
    const leftSec = finished ? 0 : p.budgetSec !== undefined && p.state === 'running' ? p.etaSec : undefined;
    return { stage: st, steps: p.steps, done: finished ? p.steps : p.step, msPerStep, ...(p.budgetSec !== undefined ? { budgetSec: p.budgetSec } : {}), ...(leftSec !== undefined ? { leftSec } : {}) };
  });
  const e = estimateRun(plans);
  const which = `stage${stages.length === 1 ? '' : 's'} ${stageList(stages)}`;
  if (!e) return running ? `Run (${which}): the time left shows after the first steps.` : `Time for ${which}: known after the first steps (step times are measured on this machine, for these settings).`;
  const assumed = e.assumed.length > 0 ? ` (stage ${stageList(e.assumed)} at the step time measured so far)` : '';
  return running ? `Run (${which}): about ${clock(e.leftSec)} left of ${clock(e.totalSec)}${assumed}.` : `Time for ${which}: about ${clock(e.totalSec)}${assumed}.`;
}

function RunEstimate() {
  const text = useApp(runEstimateText);
  return text ? (
    <p className="muted" data-testid="run-estimate">
      {text}
    </p>
  ) : null;
}

function StageRow({ stage }: { stage: StageName }) {
  const p = useApp((s) => s.training.progress[stage]);
  const enabled = useApp((s) => s.settings.stages.includes(stage));
  const done = useApp((s) => s.training.completed.includes(stage));
  const badge = stageBadge(done, p);
  const locked = useApp((s) => s.training.phase !== 'idle');
  const setStage = useApp((s) => s.setStageEnabled);
  const n = STAGE_NAMES.indexOf(stage) + 1;
  return (
    <li className="stage-row">
      <label>
        <input type="checkbox" checked={enabled} disabled={locked} onChange={(e) => setStage(stage, e.target.checked)} /> Stage {n}: {STAGE_LABELS[stage]}
        {badge && <span className="badge"> {badge}</span>}
      </label>
      {p && p.budgetSec !== undefined && (
        // a time budget: the bar and the text follow the time (the step count is only an estimate)
        <div className="stage-progress">
          <progress max={p.budgetSec} value={p.state === 'done' ? p.budgetSec : Math.max(0, p.budgetSec - (Number.isFinite(p.etaSec) ? p.etaSec : p.budgetSec))} aria-label={`Stage ${n} progress`} />{' '}
          <span>
            {p.state === 'waiting' ? `${clock(p.budgetSec)} of the budget` : `step ${p.step}`}
            {p.state === 'running' && ` · ${clock(p.etaSec)} left of ${clock(p.budgetSec)} · ${p.stepsPerSec.toFixed(p.stepsPerSec < 10 ? 2 : 0)} steps/s`}
            {p.loss !== undefined && ` · loss ${p.loss.toPrecision(3)}`}
            {p.state === 'done' && ' · done'}
            {p.state === 'cancelled' && ' · stopped'}
          </span>
        </div>
      )}
      {p && p.budgetSec === undefined && (
        <div className="stage-progress">
          <progress max={Math.max(1, p.steps)} value={p.step} aria-label={`Stage ${n} progress`} />{' '}
          <span>
            step {p.step} / {p.steps}
            {p.state === 'running' && ` · ${p.stepsPerSec.toFixed(p.stepsPerSec < 10 ? 2 : 0)} steps/s · ETA ${clock(p.etaSec)}`}
            {p.loss !== undefined && ` · loss ${p.loss.toPrecision(3)}`}
            {p.state === 'done' && ' · done'}
            {p.state === 'cancelled' && ' · stopped'}
          </span>
        </div>
      )}
    </li>
  );
}

export function TrainingPanel() {
  const phase = useApp((s) => s.training.phase);
  const ready = useApp((s) => s.runtime.ready);
  const pairs = useApp((s) => s.dataset.pairs.length);
  const hasWeights = useApp((s) => s.training.hasWeights);
  const error = useApp((s) => s.training.error);
  const note = useApp((s) => s.training.note);
  const memory = useApp((s) => s.training.memory);
  const train = useApp((s) => s.train);
  const pause = useApp((s) => s.pause);
  const resume = useApp((s) => s.resume);
  const stop = useApp((s) => s.stop);
  const reset = useApp((s) => s.reset);
  const idle = phase === 'idle';
  return (
    <section aria-labelledby="training-heading">
      <h2 id="training-heading">Training</h2>
      <ul className="stages">
        {STAGE_NAMES.map((s) => (
          <StageRow key={s} stage={s} />
        ))}
      </ul>
      <RunEstimate />
      <div className="buttons">
        <button type="button" disabled={!idle || !ready || pairs === 0} onClick={() => void train()}>
          Train
        </button>
        <button type="button" disabled={phase !== 'running'} onClick={() => void pause()}>
          Pause
        </button>
        <button type="button" disabled={phase !== 'paused'} onClick={() => void resume()}>
          Resume
        </button>
        <button type="button" disabled={phase !== 'running' && phase !== 'paused'} onClick={() => void stop()} title="End the run after this step; keep the weights">
          Stop
        </button>
        <button type="button" disabled={idle && !hasWeights} onClick={() => void reset()} title="End any run and start over from new weights">
          Reset
        </button>
      </div>
      <p className="muted">
        Train continues from the current weights (Reset starts over). Changing the network size or the seed also starts over.
        {memory && ` Worker memory: ${memory.numTensors} tensors, ${(memory.numBytes / 2 ** 20).toFixed(1)} MB.`}
      </p>
      {error && (
        <p role="alert" className="problem">
          {error}
        </p>
      )}
      {note && <p className="muted">Note: {note}</p>}
      <div className="loss-charts">
        {STAGE_NAMES.map((s) => (
          <LossChart key={s} stage={s} />
        ))}
      </div>
    </section>
  );
}
