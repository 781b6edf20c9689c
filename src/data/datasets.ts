/** What is known about the shared stereo scenes, and the rule that picks a GT scale from scene / file names. */

export interface SharedSceneInfo {
  /** Folder name under the shared stereo root. */
  name: string;
  width: number;
  height: number;
  /** disparity = stored value / gtScale. */
  gtScale: number;
  /** Disparity range over valid GT pixels, in pixels. */
  dispMin: number;
  dispMax: number;
  /** Fraction of pixels with GT (value > 0). */
  validFraction: number;
  /** Whether mask_nonocc.png and mask_occ_and_discont.png are present. */
  hasMasks: boolean;
}

/** The six scenes of shared/data/stereo, as documented in its SOURCES.md. */
export const SHARED_STEREO_SCENES: readonly SharedSceneInfo[] = [
  { name: 'tsukuba', width: 384, height: 288, gtScale: 16, dispMin: 5, dispMax: 14, validFraction: 0.793, hasMasks: false },
  { name: 'venus', width: 434, height: 383, gtScale: 8, dispMin: 3, dispMax: 19.75, validFraction: 1, hasMasks: false },
  { name: 'teddy', width: 450, height: 375, gtScale: 4, dispMin: 12.5, dispMax: 52.75, validFraction: 0.98, hasMasks: true },
  { name: 'cones', width: 450, height: 375, gtScale: 4, dispMin: 5.5, dispMax: 55, validFraction: 0.968, hasMasks: true },
  { name: 'kitti2015_000000', width: 1242, height: 375, gtScale: 256, dispMin: 4.62, dispMax: 64.09, validFraction: 0.191, hasMasks: false },
  { name: 'kitti2012_000000', width: 1226, height: 370, gtScale: 256, dispMin: 4.4, dispMax: 69.82, validFraction: 0.358, hasMasks: false },
];

/** KITTI frame file names such as 000000_10.png, and the KITTI GT folder names. */
const KITTI_LIKE = /kitti|disp_(occ|noc)|(^|[/\\])\d{6}_1[01]\.png$/i;

/**
 * The GT scale s (disparity = value / s) implied by the scene and GT file names, or undefined when unknown:
 * PFM 1; KITTI 256; Middlebury 2001 tsukuba 16, venus 8; Middlebury 2003 teddy / cones 4 (the quarter-size
 * release, the one in shared/: the full-size release stores disparity unscaled).
 */
export function gtScaleFor(sceneName: string, gtFileName: string): number | undefined {
  if (/\.pfm$/i.test(gtFileName)) return 1;
  const both = `${sceneName}/${gtFileName}`.toLowerCase();
  if (KITTI_LIKE.test(both)) return 256;
  if (both.includes('tsukuba')) return 16;
  if (both.includes('venus')) return 8;
  if (both.includes('teddy') || both.includes('cones')) return 4;
  return undefined;
}
