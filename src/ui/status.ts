// The one line of the live status region, from the state of the run.
import { STAGE_LABELS, STAGE_NAMES } from '../config/settings';
import type { AppState } from '../state/store';
import { BACKEND_LABEL } from '../config/backends';

/** "Stage 2 of 3: SingleNet (occlusion-aware distillation) — step 40 / 1000" while training. */
export function trainingText(s: AppState): string | undefined {
  const t = s.training;
  if (t.phase === 'starting') return 'Starting training…';
  if (t.phase === 'idle') return undefined;
  const stage = t.current;
  const p = stage ? t.progress[stage] : undefined;
  const what = t.labelling !== undefined && t.labelling === stage ? "making the teachers' labels on the whole pairs…" : `step ${p?.step ?? 0} / ${p?.steps ?? '?'}`;
  const where = stage ? `Stage ${STAGE_NAMES.indexOf(stage) + 1} of 3: ${STAGE_LABELS[stage]} — ${what}` : 'Training';
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
