// The one line of the live status region, from the state of the run.
import { STAGE_LABELS, STAGE_NAMES } from '../config/settings';
import type { AppState } from '../state/store';
import type { StageProgress, TrainingSlice } from '../state/training';
import { BACKEND_LABEL } from '../config/backends';

/** Seconds as m:ss (h and min from an hour on); '–' when unknown. */
export function clock(sec: number): string {
  if (!Number.isFinite(sec)) return '–';
  const s = Math.max(0, Math.round(sec));
  return s >= 3600 ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * With a time budget the step count of a stage is only an estimate, so the time left is what it
 * says: of the stage's share, and of the whole run (the shares of the stages still waiting added).
 */
function timeLeft(t: TrainingSlice, p: StageProgress & { budgetSec: number }): string {
  const left = Number.isFinite(p.etaSec) ? p.etaSec : p.budgetSec;
  let runLeft = left;
  let runTotal = 0;
  for (const st of t.runStages) {
    const q = t.progress[st];
    if (q?.budgetSec === undefined) continue;
    runTotal += q.budgetSec;
    if (q !== p && q.state === 'waiting') runLeft += q.budgetSec;
  }
  return `${clock(left)} left of ${clock(p.budgetSec)} (run: ${clock(runLeft)} of ${clock(runTotal)} left), step ${p.step}`;
}

/** "Stage 2 of 3: SingleNet (occlusion-aware distillation) — step 40 / 1000" while training; with a time budget, the time left instead. */
export function trainingText(s: AppState): string | undefined {
  const t = s.training;
  const adapt = t.adapt;
  if (adapt?.state === 'before') return 'Adapt: scoring the current weights on your pairs with ground truth…';
  if (adapt?.state === 'after' && t.phase !== 'idle') return 'Adapt: scoring the adapted weights on your pairs with ground truth…';
  if (t.phase === 'starting') return adapt ? 'Starting Adapt…' : 'Starting training…';
  if (t.phase === 'idle') return undefined;
  const stage = t.current;
  const p = stage ? t.progress[stage] : undefined;
  const what =
    t.labelling !== undefined && t.labelling === stage ? "making the teachers' labels on the whole pairs…"
    : p?.budgetSec !== undefined ? timeLeft(t, p as StageProgress & { budgetSec: number })
    : `step ${p?.step ?? 0} / ${p?.steps ?? '?'}`;
  const prefix = adapt ? 'Adapt: ' : '';
  const where = stage ? `${prefix}Stage ${STAGE_NAMES.indexOf(stage) + 1} of 3: ${STAGE_LABELS[stage]} — ${what}` : adapt ? 'Adapt' : 'Training';
  if (t.phase === 'paused') return `${where} (paused)`;
  if (t.phase === 'stopping') return `${where} (stopping after this step…)`;
  return where;
}

export function statusText(s: AppState): string {
  if (s.runtime.error !== undefined) return `Error: ${s.runtime.error}`;
  if (s.runtime.initialising) return 'Starting the compute backend…';
  if (!s.runtime.ready || s.runtime.backend === undefined) return 'Not started.';
  const training = trainingText(s);
  if (training !== undefined) return training;
  if (s.selftest.running) return 'Self-test running…';
  if (s.training.error !== undefined) return s.training.error;
  if (s.training.lastEnd !== undefined) return s.training.lastEnd;
  if (s.selftest.error !== undefined) return `Self-test failed: ${s.selftest.error}`;
  if (s.selftest.result !== undefined) {
    const r = s.selftest.result;
    return `Self-test ${r.ok ? 'passed' : 'failed'} in ${Math.round(r.ms)} ms on ${BACKEND_LABEL[r.backend]}.`;
  }
  return `Ready on ${BACKEND_LABEL[s.runtime.backend]}.`;
}
