// Adapt to these pairs: offered once there are weights (a loaded model, or a trained one) and
// pairs of the user's own. It fine-tunes the weights on those pairs only, within a time budget
// typed here (for that run only: it is not the budgetSeconds setting, so the URL, the settings
// and a saved model keep the user's step counts). The store runs it as a Train (src/state/adapt.ts).
import { useState } from 'react';
import { STAGE_BUDGET_SHARE, STAGE_NAMES } from '../config/settings';
import { ownPairs } from '../state/adapt';
import { useApp } from './StoreContext';

const STAGE_SHORT = { stereo: 'StereoNet', distill: 'SingleNet', fuse: 'fused fine-tuning' } as const;

const secs = (v: number) => `${v < 10 ? v.toFixed(1).replace(/\.0$/, '') : Math.round(v)} s`;

export function AdaptPanel() {
  const hasWeights = useApp((s) => s.training.hasWeights);
  const phase = useApp((s) => s.training.phase);
  const ready = useApp((s) => s.runtime.ready);
  const loading = useApp((s) => s.model.loading !== undefined);
  const origin = useApp((s) => s.model.origin?.label);
  const own = useApp((s) => ownPairs(s.dataset.pairs).length);
  const ownWithGt = useApp((s) => ownPairs(s.dataset.pairs).filter((p) => p.hasGt).length);
  const seconds = useApp((s) => s.training.adaptSeconds);
  const problem = useApp((s) => s.training.adaptProblem);
  const running = useApp((s) => s.training.adapt !== undefined && phase !== 'idle');
  const setSeconds = useApp((s) => s.setAdaptSeconds);
  const adapt = useApp((s) => s.adapt);
  const [draft, setDraft] = useState<string | null>(null);
  if (!hasWeights && !running) return null;

  const idle = phase === 'idle';
  const why = own === 0 ? 'Add stereo pairs of your own to adapt the model to them (the sample scenes are left out).' : undefined;
  const split = STAGE_NAMES.map((st) => `${STAGE_SHORT[st]} ${secs(seconds * STAGE_BUDGET_SHARE[st])}`).join(' · ');
  return (
    <section aria-labelledby="adapt-heading" className="adapt">
      <h2 id="adapt-heading">Adapt to your pairs</h2>
      <p>
        Fine-tunes the current weights{origin ? ` (loaded from ${origin})` : ''} on {own === 0 ? 'the pairs you add' : own === 1 ? 'your pair' : `your ${own} pairs`} only, not the sample scenes: all three stages,
        sharing a time budget 50 / 30 / 20 %. Your step-count settings are not changed.
        {ownWithGt > 0 && ' The Metrics table then shows your pairs with ground truth before and after.'}
      </p>
      <div className="adapt-row">
        <label htmlFor="adapt-seconds">Adapt budget (s)</label>{' '}
        <input
          id="adapt-seconds"
          type="number"
          min={1}
          step={1}
          size={6}
          disabled={!idle}
          aria-invalid={problem ? true : undefined}
          aria-describedby="adapt-split"
          value={draft ?? String(seconds)}
          onChange={(e) => {
            const text = e.target.value;
            setDraft(text);
            setSeconds(text.trim() === '' ? NaN : Number(text));
          }}
          onBlur={() => {
            if (!problem) setDraft(null);
          }}
        />{' '}
        <button type="button" disabled={!idle || !ready || loading || own === 0 || problem !== undefined} onClick={() => void adapt()}>
          Adapt to these pairs
        </button>
      </div>
      <small id="adapt-split" className="muted">
        {split}
      </small>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {why && <p className="muted">{why}</p>}
    </section>
  );
}
