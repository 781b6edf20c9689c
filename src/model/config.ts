/** Network size presets. `tiny` is for tests and quick looks, `default` for the app. */
export type PresetName = 'tiny' | 'default';
export const PRESET_NAMES: readonly PresetName[] = ['tiny', 'default'];

/** StereoNet (PWC-style) configuration; with the weights it rebuilds the network exactly. */
export interface StereoNetConfig {
  kind: 'stereo';
  preset: PresetName | 'custom';
  /** Feature-pyramid channels at 1/2, 1/4, 1/8, 1/16 resolution. */
  channels: [number, number, number, number];
  /** Width of the residual disparity decoder at each level. */
  decoder: number;
  /** Width of the context/refinement block at the finest level. */
  refine: number;
  /** Finest disparity level: 1 (1/2 resolution) or 2 (1/4). */
  finestLevel: 1 | 2;
  /** Correlation search range at 1/16 resolution: disparities 0..coarseRange (x16 px at full size). */
  coarseRange: number;
  /** Correlation search range around the upsampled estimate at finer levels: -fineRange..fineRange. */
  fineRange: number;
  /**
   * Largest disparity (pixels at the input resolution) the coarsest level can express. In pixels,
   * not relative to the width, so a network trained on crops predicts the same on whole images.
   */
  maxDisp: number;
  /**
   * 'match': every level is a matcher from the first step (soft-argmax of a cosine cost volume, the
   * decoders only correct it; see stereoNet.ts). 'regress': the coarsest disparity is regressed through a
   * sigmoid and the finer ones through tanh residuals (models saved before 'match' existed: absent = regress).
   */
  design?: StereoDesign;
  /** Seed of the weight initialisation. */
  seed: number;
}

export type StereoDesign = 'match' | 'regress';
export const STEREO_DESIGNS: readonly StereoDesign[] = ['match', 'regress'];

/** SingleNet (monocular U-Net) configuration. */
export interface SingleNetConfig {
  kind: 'single';
  preset: PresetName | 'custom';
  /** Encoder channels at 1/2, 1/4, 1/8, 1/16, 1/32 resolution. */
  encoder: [number, number, number, number, number];
  /** Decoder channels at 1, 1/2, 1/4, 1/8, 1/16 resolution. */
  decoder: [number, number, number, number, number];
  /** Output = sigmoid * maxDisp / 2^level: at most maxDisp pixels at the input resolution. */
  maxDisp: number;
  seed: number;
}

export type NetConfig = StereoNetConfig | SingleNetConfig;

const STEREO_PRESETS: Record<PresetName, Omit<StereoNetConfig, 'seed'>> = {
  // maxDisp = 16 * coarseRange: the coarsest level's cost volume spans the whole range
  tiny: { kind: 'stereo', preset: 'tiny', channels: [8, 12, 16, 24], decoder: 12, refine: 12, finestLevel: 2, coarseRange: 6, fineRange: 2, maxDisp: 96, design: 'match' },
  default: { kind: 'stereo', preset: 'default', channels: [16, 32, 48, 64], decoder: 32, refine: 32, finestLevel: 2, coarseRange: 8, fineRange: 3, maxDisp: 128, design: 'match' },
};

const SINGLE_PRESETS: Record<PresetName, Omit<SingleNetConfig, 'seed'>> = {
  tiny: { kind: 'single', preset: 'tiny', encoder: [8, 12, 16, 24, 32], decoder: [8, 8, 12, 16, 24], maxDisp: 96 },
  default: { kind: 'single', preset: 'default', encoder: [16, 32, 48, 64, 96], decoder: [16, 24, 32, 48, 64], maxDisp: 96 },
};

export function stereoNetConfig(preset: PresetName, overrides: Partial<Omit<StereoNetConfig, 'kind'>> = {}): StereoNetConfig {
  const base = STEREO_PRESETS[preset];
  if (!base) throw new Error(`stereoNetConfig: unknown preset "${preset}" (use ${PRESET_NAMES.join(' or ')})`);
  return { ...base, seed: 1, ...overrides, kind: 'stereo' };
}

export function singleNetConfig(preset: PresetName, overrides: Partial<Omit<SingleNetConfig, 'kind'>> = {}): SingleNetConfig {
  const base = SINGLE_PRESETS[preset];
  if (!base) throw new Error(`singleNetConfig: unknown preset "${preset}" (use ${PRESET_NAMES.join(' or ')})`);
  return { ...base, seed: 2, ...overrides, kind: 'single' };
}

/** Input sizes must divide evenly down the pyramid: StereoNet by 16, SingleNet by 32. */
export function sizeMultiple(cfg: NetConfig): number {
  return cfg.kind === 'stereo' ? 16 : 32;
}

export function checkInputSize(cfg: NetConfig, H: number, W: number): void {
  const m = sizeMultiple(cfg);
  if (H % m !== 0 || W % m !== 0 || H < m || W < m) {
    throw new Error(`${cfg.kind === 'stereo' ? 'StereoNet' : 'SingleNet'}: input ${W}x${H} must be a positive multiple of ${m} in both width and height (resize or crop the images, e.g. to ${Math.max(m, Math.round(W / m) * m)}x${Math.max(m, Math.round(H / m) * m)})`);
  }
}
