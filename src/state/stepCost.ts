// Measured wall time of a training step, by what it depends on: what the training panel's time
// estimate is made of (src/train/runProgress.ts, estimateRun). Kept in localStorage, so a page
// opened again estimates before its first run (e2e/previews.spec.ts, "from measured step times").
import type { StageName } from '../config/settings';
import type { TrainSettings } from '../train/types';

/** What a step's cost depends on: the backend, the network size, the crop and the batch, and the stage. */
export function stepCostKey(backend: string | undefined, v: Pick<TrainSettings, 'preset' | 'width' | 'height' | 'batch'>, stage: StageName): string {
  return `${backend ?? '?'}|${v.preset}|${v.width}x${v.height}|b${v.batch}|${stage}`;
}

const STEP_MS_STORAGE = 'reciprocal-depth.stepMs';

export function storedStepMs(): Record<string, number> {
  try {
    const raw = typeof localStorage !== 'undefined' ? localStorage.getItem(STEP_MS_STORAGE) : null;
    const parsed: unknown = raw ? JSON.parse(raw) : {};
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === 'number' && Number.isFinite(v) && v > 0)) as Record<string, number>;
  } catch {
    return {}; // storage blocked or a broken entry: estimate from this page's steps only
  }
}

export function storeStepMs(stepMs: Record<string, number>): void {
  try {
    if (typeof localStorage !== 'undefined') localStorage.setItem(STEP_MS_STORAGE, JSON.stringify(stepMs));
  } catch {
    // storage full or blocked: the estimate still works for this page
  }
}
