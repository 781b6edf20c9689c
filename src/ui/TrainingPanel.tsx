// Training controls and progress: which stages to run, Train / Pause / Resume / Stop / Reset,
// step counter, rate and ETA per stage, and live loss curves (saving the model: ModelPanel).
import { STAGE_LABELS, STAGE_NAMES, type StageName } from '../config/settings';
import { LossChart } from './LossChart';
import { clock } from './status';
import { useApp } from './StoreContext';

function StageRow({ stage }: { stage: StageName }) {
  const p = useApp((s) => s.training.progress[stage]);
  const enabled = useApp((s) => s.settings.stages.includes(stage));
  const done = useApp((s) => s.training.completed.includes(stage));
  const locked = useApp((s) => s.training.phase !== 'idle');
  const setStage = useApp((s) => s.setStageEnabled);
  const n = STAGE_NAMES.indexOf(stage) + 1;
  return (
    <li className="stage-row">
      <label>
        <input type="checkbox" checked={enabled} disabled={locked} onChange={(e) => setStage(stage, e.target.checked)} /> Stage {n}: {STAGE_LABELS[stage]}
        {done && <span className="badge"> trained</span>}
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
