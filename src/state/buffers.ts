// High-rate and bulky data kept out of React state: decoded images, preview maps, loss history,
// and files waiting for an answer from the user. One AppBuffers lives beside each store (its
// reference never changes); writers mutate it and bump `version`, and canvases read it in
// requestAnimationFrame when the version they drew is old.
import { STAGE_NAMES, type StageName } from '../config/settings';
import type { IntakeFile, LoadedScene } from '../data/intake';
import type { PreviewMaps, StepReport } from '../train/types';

/** One pair of the dataset: the decoded scene and its id. */
export interface SceneData extends LoadedScene {
  id: string;
  /** One of the bundled sample scenes, not a pair the user added (Adapt leaves these out). */
  sample?: boolean;
}

/** Loss terms of one stage, one entry per step received. */
export interface LossHistory {
  steps: number[];
  terms: Map<string, number[]>;
}

/** Longest loss history kept per stage; older halves are thinned (every other point dropped). */
export const MAX_LOSS_POINTS = 4000;

export class AppBuffers {
  readonly scenes = new Map<string, SceneData>();
  /** Latest maps of each pair, at the pair's size (see PreviewMaps). */
  readonly previews = new Map<string, PreviewMaps>();
  readonly losses: Record<StageName, LossHistory> = emptyLosses();
  /** Files kept for a pending question: lone images, GT waiting for its scale. */
  readonly pendingFiles = new Map<string, IntakeFile>();
  /** Decoded pairs too large to add before the user chooses a downscale, by offer id. */
  readonly largeScenes = new Map<string, LoadedScene>();
  /** Bumped on any change of scenes or previews. */
  version = 0;
  /** Bumped on any change of the loss history. */
  lossVersion = 0;

  bump(): void {
    this.version++;
  }

  setPreview(maps: PreviewMaps): void {
    this.previews.set(maps.sceneId, maps);
    this.version++;
  }

  pushStep(r: StepReport): void {
    const h = this.losses[r.stage];
    h.steps.push(r.step);
    for (const [name, value] of Object.entries(r.losses)) {
      let series = h.terms.get(name);
      if (!series) {
        // A term that appears late gets NaN (a gap) for the steps before it.
        series = new Array<number>(h.steps.length - 1).fill(NaN);
        h.terms.set(name, series);
      }
      series.push(value);
    }
    for (const series of h.terms.values()) if (series.length < h.steps.length) series.push(NaN);
    if (h.steps.length > MAX_LOSS_POINTS) thin(h);
    this.lossVersion++;
  }

  clearLosses(stages: readonly StageName[] = STAGE_NAMES): void {
    for (const s of stages) this.losses[s] = { steps: [], terms: new Map() };
    this.lossVersion++;
  }

  clearPreviews(): void {
    this.previews.clear();
    this.version++;
  }
}

function emptyLosses(): Record<StageName, LossHistory> {
  return { stereo: { steps: [], terms: new Map() }, distill: { steps: [], terms: new Map() }, fuse: { steps: [], terms: new Map() } };
}

/** Drops every other point of the older half, so long runs keep their shape in bounded memory. */
function thin(h: LossHistory): void {
  const half = Math.floor(h.steps.length / 2);
  const keep = (_: number, i: number) => i >= half || i % 2 === 0;
  h.steps = h.steps.filter(keep);
  for (const [name, series] of h.terms) h.terms.set(name, series.filter(keep));
}
