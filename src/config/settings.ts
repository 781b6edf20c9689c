/**
 * One declarative table of training settings: default, range and help text for each.
 * It drives the settings panel, the URL (so a shared link reproduces a run, seed included),
 * the worker and the CLI. No tfjs, no DOM.
 */

export type StageName = 'stereo' | 'distill' | 'fuse';
export const STAGE_NAMES: readonly StageName[] = ['stereo', 'distill', 'fuse'];
/**
 * Whether a stage starts by computing its teachers' labels on every scene (src/train/stages/labels.ts):
 * stage 2 distils from a frozen StereoNet unless it trains on the photometric loss alone; stage 3
 * always fuses. The runner announces it at the stage's start (StageStart.labels).
 */
export function stageMakesLabels(stage: StageName, s: Pick<TrainSettings, 'distillMode'>): boolean {
  return stage === 'fuse' || (stage === 'distill' && s.distillMode !== 'photometric');
}

export const STAGE_LABELS: Record<StageName, string> = {
  stereo: 'StereoNet (self-supervised)',
  distill: 'SingleNet (occlusion-aware distillation)',
  fuse: 'Fusion and StereoNet-D',
};

export type DistillMode = 'occlusion' | 'none' | 'photometric';
export type LrSchedule = 'cosine' | 'constant';

/**
 * The share of a time budget (`budgetSeconds`) each stage gets, before renormalising over the stages
 * that run: half to StereoNet, which everything else learns from, then SingleNet, then the short
 * fine-tuning on the fused map (the PyTorch reference's 300 / 180 / 120 s split, ../shared/reference/torch).
 */
export const STAGE_BUDGET_SHARE: Record<StageName, number> = { stereo: 0.5, distill: 0.3, fuse: 0.2 };

/** Seconds of `budgetSeconds` for each of `stages` (STAGE_BUDGET_SHARE renormalised over them); undefined when the budget is 0 (step counts rule). */
export function stageBudgets(s: Pick<TrainSettings, 'budgetSeconds'>, stages: readonly StageName[]): Partial<Record<StageName, number>> | undefined {
  if (!(s.budgetSeconds > 0) || stages.length === 0) return undefined;
  const sum = stages.reduce((a, st) => a + STAGE_BUDGET_SHARE[st], 0);
  return Object.fromEntries(stages.map((st) => [st, (s.budgetSeconds * STAGE_BUDGET_SHARE[st]) / sum]));
}

/** The step budget of one stage in `s`. */
export function stageSteps(s: Pick<TrainSettings, 'stepsStereo' | 'stepsDistill' | 'stepsFuse'>, stage: StageName): number {
  return stage === 'stereo' ? s.stepsStereo : stage === 'distill' ? s.stepsDistill : s.stepsFuse;
}

export interface TrainSettings {
  /** Training crop width and height in pixels (multiples of 32; fixed so GPU buffers are reused). */
  width: number;
  height: number;
  preset: 'tiny' | 'default';
  batch: number;
  stepsStereo: number;
  stepsDistill: number;
  stepsFuse: number;
  /**
   * Wall-clock budget in seconds of a run (0: the step counts rule). When above 0, the stages that
   * run share it (STAGE_BUDGET_SHARE) and each ends when its share is spent, its one-off label pass
   * included; every schedule (learning-rate warm-up and decay, mask warm-up, tolerance) follows the
   * share of its time used instead of its steps.
   */
  budgetSeconds: number;
  lrStereo: number;
  lrSingle: number;
  lrFuse: number;
  /**
   * Learning-rate schedule within each stage: 'cosine' warms up linearly over the first 5 % of
   * the stage's steps, then decays along a half cosine to 5 % of the base rate; 'constant' keeps it.
   */
  lrSchedule: LrSchedule;
  /** Weight of the edge-aware smoothness term at full resolution (divided by 2^scale). */
  smoothWeight: number;
  /**
   * Fraction of stage 1 trained with only the out-of-view mask before the left-right
   * consistency mask is used (at random initialisation the two views disagree everywhere).
   */
  maskWarmup: number;
  /** Left-right consistency tolerance of the occlusion mask, in full-resolution pixels (METHOD.md: 0.5). */
  lrTolerance: number;
  /**
   * Stage 1 only: the tolerance right after the mask warm-up, in full-resolution pixels; it then
   * shrinks geometrically to `lrTolerance` by the end of stage 1. Equal to `lrTolerance`: no schedule.
   */
  lrToleranceStart: number;
  /** Weight of the stage-1 photometric loss kept during stage 3. */
  fusePhotoWeight: number;
  /**
   * Weight of the census distance added to the photometric error of every photometric loss (0: METHOD.md's
   * SSIM + L1 alone). It compares the order of neighbouring grey levels, so it holds where the views
   * differ in exposure or the texture is dark and faint.
   */
  censusWeight: number;
  /** How SingleNet learns: distilled on visible pixels (the method), on all pixels, or photometric only. */
  distillMode: DistillMode;
  /** Photometric jitter strength (brightness, contrast, colour), 0 = off. */
  jitter: number;
  /** Random left-right flip with view swap. */
  flip: boolean;
  seed: number;
  /** Send previews every this many steps. */
  previewEvery: number;
  /** The scale a pair's maps are predicted at: its own size, or the one its first answer suggests (src/train/inferScale.ts). */
  inferScale: InferScale;
  /** Radius (px) of the image-guided edge refinement of the final maps (src/core/edgeRefine.ts); 0: off. */
  edgeRefine: number;
  /** Search range (px) of the full-resolution match refinement of the final maps (src/core/matchRefine.ts); 0: off. */
  matchRefine: number;
}

/** 'native': each pair at its own size; 'auto': resampled so its disparities sit mid-range (for models trained on a corpus at many scales). */
export type InferScale = 'native' | 'auto';

interface Base<K extends keyof TrainSettings> {
  key: K;
  label: string;
  help: string;
  group: 'data' | 'network' | 'schedule' | 'loss' | 'run';
}
export type SettingSpec =
  | (Base<keyof TrainSettings> & { kind: 'int' | 'float'; default: number; min: number; max: number; step?: number; multipleOf?: number })
  | (Base<keyof TrainSettings> & { kind: 'enum'; default: string; options: readonly string[] })
  | (Base<keyof TrainSettings> & { kind: 'bool'; default: boolean });

export const SETTINGS: readonly SettingSpec[] = [
  { key: 'width', label: 'Crop width', kind: 'int', default: 256, min: 64, max: 1280, multipleOf: 32, group: 'data', help: 'Width of the random training crops in pixels (multiple of 32). Larger sees more context but each step is slower.' },
  { key: 'height', label: 'Crop height', kind: 'int', default: 128, min: 32, max: 768, multipleOf: 32, group: 'data', help: 'Height of the random training crops in pixels (multiple of 32).' },
  { key: 'preset', label: 'Network size', kind: 'enum', default: 'default', options: ['tiny', 'default'], group: 'network', help: 'tiny: fast, for a quick look; default: better maps.' },
  { key: 'batch', label: 'Batch size', kind: 'int', default: 2, min: 1, max: 8, group: 'data', help: 'Crops per training step.' },
  { key: 'stepsStereo', label: 'Stage 1 steps', kind: 'int', default: 1500, min: 0, max: 100000, group: 'schedule', help: 'Training steps of StereoNet on the photometric loss.' },
  { key: 'stepsDistill', label: 'Stage 2 steps', kind: 'int', default: 1000, min: 0, max: 100000, group: 'schedule', help: 'Training steps of SingleNet distilled from StereoNet.' },
  { key: 'stepsFuse', label: 'Stage 3 steps', kind: 'int', default: 500, min: 0, max: 100000, group: 'schedule', help: 'Fine-tuning steps of StereoNet on the fused map (StereoNet-D).' },
  { key: 'budgetSeconds', label: 'Time budget (s)', kind: 'int', default: 0, min: 0, max: 86400, group: 'schedule', help: 'Seconds for the whole run, shared by the ticked stages (half to StereoNet, 30 % to SingleNet, 20 % to the fused fine-tuning); each stage stops when its share is spent and its schedules follow the time used. 0: use the step counts.' },
  { key: 'lrStereo', label: 'Stage 1 learning rate', kind: 'float', default: 1e-3, min: 1e-6, max: 1e-1, group: 'schedule', help: 'Adam learning rate of StereoNet in stage 1.' },
  { key: 'lrSingle', label: 'Stage 2 learning rate', kind: 'float', default: 1e-3, min: 1e-6, max: 1e-1, group: 'schedule', help: 'Adam learning rate of SingleNet in stage 2.' },
  { key: 'lrSchedule', label: 'Learning-rate schedule', kind: 'enum', default: 'cosine', options: ['cosine', 'constant'], group: 'schedule', help: 'cosine: warm up over the first 5 % of each stage, then decay to 5 % of the rate by its end (steadier start, settled end); constant: the same rate throughout.' },
  { key: 'lrFuse', label: 'Stage 3 learning rate', kind: 'float', default: 2e-4, min: 1e-6, max: 1e-1, group: 'schedule', help: 'Adam learning rate of StereoNet in stage 3.' },
  { key: 'smoothWeight', label: 'Smoothness weight', kind: 'float', default: 1e-3, min: 0, max: 1, group: 'loss', help: 'Weight of the edge-aware smoothness term (halved at each coarser scale).' },
  { key: 'maskWarmup', label: 'Occlusion mask warm-up', kind: 'float', default: 0.2, min: 0, max: 1, group: 'loss', help: 'Share of stage 1 trained before the left-right occlusion mask is applied (only out-of-view pixels are masked until then).' },
  { key: 'lrToleranceStart', label: 'Stage-1 starting tolerance (px)', kind: 'float', default: 0.5, min: 0.05, max: 20, group: 'loss', help: 'Stage 1 only: the occlusion tolerance when the mask starts (after its warm-up); it shrinks geometrically to the occlusion tolerance by the end of stage 1. Equal to it: constant.' },
  { key: 'lrTolerance', label: 'Occlusion tolerance (px)', kind: 'float', default: 0.5, min: 0.05, max: 10, group: 'loss', help: 'A pixel counts as seen by both views when its left and right disparities agree within this many pixels (scaled at coarser levels).' },
  { key: 'fusePhotoWeight', label: 'Stage 3 photometric weight', kind: 'float', default: 0.1, min: 0, max: 10, group: 'loss', help: 'How much of the stage-1 loss is kept while fine-tuning on the fused map.' },
  { key: 'censusWeight', label: 'Census weight', kind: 'float', default: 0, min: 0, max: 10, group: 'loss', help: 'Weight of a census term added to the photometric error (0: the method\'s SSIM + L1 alone). It compares which neighbouring pixels are brighter, not their levels, so it holds where the two cameras differ in exposure or the texture is dark.' },
  { key: 'distillMode', label: 'SingleNet supervision', kind: 'enum', default: 'occlusion', options: ['occlusion', 'none', 'photometric'], group: 'loss', help: 'occlusion: distil on pixels both views see (the method); none: distil on every pixel; photometric: no teacher (for comparison).' },
  { key: 'jitter', label: 'Colour jitter', kind: 'float', default: 0.1, min: 0, max: 0.5, group: 'data', help: 'Strength of random brightness, contrast and colour changes applied to both views alike.' },
  { key: 'flip', label: 'Random flip', kind: 'bool', default: true, group: 'data', help: 'Flip crops left-right and swap the views, which doubles the data.' },
  { key: 'seed', label: 'Seed', kind: 'int', default: 1, min: 0, max: 2 ** 31 - 1, group: 'run', help: 'Seed of the weights and the data order: the same settings and seed reproduce a run.' },
  { key: 'inferScale', label: 'Predict pairs at', kind: 'enum', default: 'native', options: ['native', 'auto'], group: 'run', help: 'native: each pair at its own size (a model trained on these pairs); auto: each pair resampled by 0.5x-2x so its disparities fill about half the network\'s range, as a model trained on a corpus at many scales reads them best (the shipped model sets it).' },
  { key: 'edgeRefine', label: 'Edge refinement (px)', kind: 'int', default: 10, min: 0, max: 30, group: 'run', help: 'Radius of the image-guided weighted median that moves the final StereoNet and fused maps\' depth edges onto the image\'s edges, at full resolution (0: off). 10 lowered the error of every held-out corpus pair. It costs about 1-2 s a Middlebury pair and 6 s a KITTI frame on a CPU, so previews during training skip it.' },
  { key: 'matchRefine', label: 'Match refinement (px)', kind: 'int', default: 6, min: 0, max: 16, group: 'run', help: 'Before the edge refinement, each pixel of the final StereoNet and fused maps moves by the offset, within this many pixels of the network\'s answer, that best matches the right image at full resolution (costs filtered along the image\'s edges; 0: off). The networks match at quarter resolution, so the images settle their last pixel or two. 6 lowered the error of every held-out corpus pair. It costs 0.2-1.2 s a map on a CPU; previews during training skip it.' },
  { key: 'previewEvery', label: 'Preview every', kind: 'int', default: 10, min: 1, max: 10000, group: 'run', help: 'Steps between preview refreshes (each costs a forward pass and a read-back). When steps are slow, a preview is also sent about once a second.' },
];

export function defaultSettings(): TrainSettings {
  return Object.fromEntries(SETTINGS.map((s) => [s.key, s.default])) as unknown as TrainSettings;
}

/** The problem with one value, or null when it is valid. */
export function checkSetting(spec: SettingSpec, value: unknown): string | null {
  switch (spec.kind) {
    case 'bool':
      return typeof value === 'boolean' ? null : `${spec.label} must be true or false`;
    case 'enum':
      return typeof value === 'string' && spec.options.includes(value) ? null : `${spec.label} must be one of ${spec.options.join(', ')}`;
    default: {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${spec.label} must be a number`;
      if (spec.kind === 'int' && !Number.isInteger(value)) return `${spec.label} must be a whole number`;
      if (value < spec.min || value > spec.max) return `${spec.label} must be between ${spec.min} and ${spec.max}`;
      if (spec.multipleOf && value % spec.multipleOf !== 0) return `${spec.label} must be a multiple of ${spec.multipleOf}`;
      return null;
    }
  }
}

/**
 * Merges `partial` over the defaults and validates every field. Unknown keys are reported.
 * Returns the full settings (invalid fields keep their default) and the problems found.
 */
export function validateSettings(partial: Record<string, unknown>): { settings: TrainSettings; errors: string[] } {
  const settings = defaultSettings() as unknown as Record<string, unknown>;
  const errors: string[] = [];
  const known = new Set(SETTINGS.map((s) => s.key as string));
  for (const key of Object.keys(partial)) if (!known.has(key)) errors.push(`unknown setting "${key}"`);
  for (const spec of SETTINGS) {
    if (!(spec.key in partial)) continue;
    const problem = checkSetting(spec, partial[spec.key]);
    if (problem) errors.push(problem);
    else settings[spec.key] = partial[spec.key];
  }
  return { settings: settings as unknown as TrainSettings, errors };
}

/** Parses one setting from text (URL or CLI); returns undefined when it does not parse. */
export function parseSetting(spec: SettingSpec, text: string): unknown {
  if (spec.kind === 'bool') return text === '1' || text === 'true' ? true : text === '0' || text === 'false' ? false : undefined;
  if (spec.kind === 'enum') return text;
  const n = Number(text);
  return text.trim() === '' || Number.isNaN(n) ? undefined : n;
}

/** Settings that differ from the defaults, as URL query parameters (bools as 1/0). */
export function settingsToQuery(settings: TrainSettings): URLSearchParams {
  const q = new URLSearchParams();
  const d = defaultSettings();
  for (const spec of SETTINGS) {
    const v = settings[spec.key];
    if (v !== d[spec.key]) q.set(spec.key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  return q;
}

/**
 * Reads settings from URL query parameters; parameters that are not settings are ignored.
 * `given` lists the settings the query names with a valid value: those win over the settings
 * stored in a model the same address loads (`?weights=...&stepsStereo=60` trains 60 steps), since
 * the person who wrote the address asked for them (see `adoptSettings` in src/state/modelSlice.ts).
 */
export function settingsFromQuery(q: URLSearchParams): { settings: TrainSettings; errors: string[]; given: (keyof TrainSettings)[] } {
  const partial: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const spec of SETTINGS) {
    const text = q.get(spec.key);
    if (text === null) continue;
    const v = parseSetting(spec, text);
    if (v === undefined) errors.push(`${spec.label}: cannot read "${text}"`);
    else partial[spec.key] = v;
  }
  const r = validateSettings(partial);
  const given = SETTINGS.filter((spec) => spec.key in partial && checkSetting(spec, partial[spec.key]) === null).map((spec) => spec.key);
  return { settings: r.settings, errors: [...errors, ...r.errors], given };
}
