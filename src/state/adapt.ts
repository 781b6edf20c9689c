// Adapt: fine-tuning the current (loaded) weights on the user's own pairs within a time budget.
// It is a Train run like any other (the training slice runs it), with three differences: the
// worker gets the user's pairs only (not the bundled samples), the run has a time budget of its
// own (TrainRequest.budgetSeconds, never written into the settings, so a reload or a shared link
// keeps the user's step counts), and the maps of the pairs with ground truth are scored before
// and after it. This file holds the plain parts: which pairs, the scores, the budget.
import { checkSetting, SETTINGS, STAGE_BUDGET_SHARE, type StageName } from '../config/settings';
import { depthMetrics, disparityMetrics, type DepthStats, type DispMetrics } from '../core/metrics';
import type { StereoCalib } from '../data/calib';
import type { PreviewMaps } from '../train/types';
import type { SceneData } from './buffers';
import type { PairMeta } from './dataset';

/** Adapt's budget until the user types another. */
export const ADAPT_DEFAULT_SECONDS = 60;

/** The disparity maps the Metrics table scores, with their row names. */
export const SCORED_MAPS = [
  ['stereoDisp', 'StereoNet'],
  ['singleDisp', 'SingleNet'],
  ['fusedDisp', 'Fused'],
] as const;

export type ScoredMap = (typeof SCORED_MAPS)[number][0];

/** Metrics of each map of one pair against its ground truth (maps a network does not give yet are absent). */
export type MapScores = Partial<Record<ScoredMap, DispMetrics>>;

/** An Adapt run: the one in progress, or the last one while its weights are the current ones. */
export interface AdaptRun {
  /** Its budget in seconds, shared by the three stages (STAGE_BUDGET_SHARE: 50/30/20 %). */
  budgetSec: number;
  /** before: scoring the weights it starts from; running: training; after: scoring the weights it ended with; then how it ended. */
  state: 'before' | 'running' | 'after' | 'done' | 'stopped' | 'failed';
  /** The pairs it trains on (the user's own, when it started). */
  pairIds: string[];
  /** Where the weights it started from came from (a loaded model's label), if known. */
  from?: string;
  /** Scores of the weights it started from, for each of its pairs with ground truth, taken as it started. */
  before: Record<string, MapScores>;
  /** The same from the weights it ended with, taken at its end. */
  after: Record<string, MapScores>;
  /** Wall-clock seconds from the run's start (the worker's trainStart) to its end. */
  seconds?: number;
}

/** The user's own pairs: every pair but the bundled samples. */
export function ownPairs(pairs: readonly PairMeta[]): PairMeta[] {
  return pairs.filter((p) => !p.sample);
}

/** Scores of `maps` against the scene's GT (and its non-occlusion mask); empty without GT or when the sizes differ. */
export function scoreMaps(maps: PreviewMaps | undefined, scene: SceneData | undefined): MapScores {
  if (!maps || !scene?.gtDisp || maps.width !== scene.width || maps.height !== scene.height) return {};
  const opts = scene.nonOccMask ? { mask: scene.nonOccMask } : {};
  const out: MapScores = {};
  for (const [field] of SCORED_MAPS) {
    const d = maps[field];
    if (d) out[field] = disparityMetrics(d, scene.gtDisp.data, opts);
  }
  return out;
}

/** Depth errors of each map (metres, on every pixel with GT), for a pair whose calibration is known. */
export type DepthScores = Partial<Record<ScoredMap, DepthStats>>;

/**
 * Depth errors of `maps` against the scene's GT, both turned into depth by the pair's calibration (depth = focalPx *
 * baselineM / (d + doffs), METHOD.md's "where depth is wanted"); empty without GT or when the sizes differ.
 */
export function scoreDepth(maps: PreviewMaps | undefined, scene: SceneData | undefined, calib: StereoCalib): DepthScores {
  if (!maps || !scene?.gtDisp || maps.width !== scene.width || maps.height !== scene.height) return {};
  const out: DepthScores = {};
  for (const [field] of SCORED_MAPS) {
    const d = maps[field];
    if (d) out[field] = depthMetrics(d, scene.gtDisp.data, calib.focalPx * calib.baselineM, { doffs: calib.doffs });
  }
  return out;
}

/** Why `value` is not a usable Adapt budget (the settings table's limits for budgetSeconds, and above 0), or null. */
export function adaptBudgetProblem(value: unknown): string | null {
  const spec = SETTINGS.find((s) => s.key === 'budgetSeconds')!;
  const problem = checkSetting(spec, value);
  if (problem !== null) return problem;
  return (value as number) > 0 ? null : 'The time budget must be at least 1 s';
}

/**
 * What is left of a budget of `total` seconds for the stages `left` of a run of `stages`: the sum
 * of their shares, so that the runner, which shares a budget among the stages it is given, gives
 * each the same seconds as in the whole run. (The stage in progress gets its whole share again.)
 */
export function budgetLeft(total: number, stages: readonly StageName[], left: readonly StageName[]): number {
  const share = (sts: readonly StageName[]) => sts.reduce((a, st) => a + STAGE_BUDGET_SHARE[st], 0);
  const all = share(stages);
  return all > 0 ? (total * share(left)) / all : total;
}
