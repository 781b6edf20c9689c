// What each panel shows, read from the buffers as plain arrays, and how it is coloured.
// No DOM here: panels turn the RGBA arrays into pixels.
import { colorize, colorizeError, percentileRange, type ColormapName } from '../core/colormap';
import type { AppBuffers, SceneData } from '../state/buffers';
import type { MapKey, ViewSlice } from '../state/view';
import type { PreviewMaps } from '../train/types';

export const MAP_LABEL: Record<MapKey, string> = {
  left: 'Left image',
  right: 'Right image',
  stereo: 'StereoNet disparity',
  single: 'SingleNet disparity',
  occlusion: 'Occlusion map',
  fused: 'Fused disparity',
  gt: 'Ground truth',
  error: 'Error map',
};

/** Short names for the hover read-out and the compare selects. */
export const MAP_SHORT: Record<MapKey, string> = {
  left: 'Left',
  right: 'Right',
  stereo: 'StereoNet',
  single: 'SingleNet',
  occlusion: 'Occlusion',
  fused: 'Fused',
  gt: 'GT',
  error: 'Error',
};

export type MapSource =
  | { kind: 'rgb'; width: number; height: number; data: Float32Array }
  /** Disparity in px of this map's size; `gt`: 0 = no GT. */
  | { kind: 'disp'; width: number; height: number; data: Float32Array; gt: boolean }
  /** 1 = occluded or out of view. */
  | { kind: 'occ'; width: number; height: number; data: Float32Array }
  | { kind: 'error'; width: number; height: number; pred: Float32Array; gt: Float32Array };

const PREVIEW_FIELD = { stereo: 'stereoDisp', single: 'singleDisp', fused: 'fusedDisp', occlusion: 'occlusion' } as const;

function previewOf(buffers: AppBuffers, scene: SceneData): PreviewMaps | undefined {
  const p = buffers.previews.get(scene.id);
  return p && p.width > 0 && p.height > 0 ? p : undefined;
}

/** The data of `key` for `scene`, or undefined when it does not exist (yet). */
export function mapSource(key: MapKey, scene: SceneData | undefined, buffers: AppBuffers, errorOf: ViewSlice['errorOf']): MapSource | undefined {
  if (!scene) return undefined;
  const { width, height } = scene;
  switch (key) {
    case 'left':
      return { kind: 'rgb', width, height, data: scene.leftImg.data };
    case 'right':
      return { kind: 'rgb', width, height, data: scene.rightImg.data };
    case 'gt':
      return scene.gtDisp ? { kind: 'disp', width, height, data: scene.gtDisp.data, gt: true } : undefined;
    case 'error': {
      const p = previewOf(buffers, scene);
      const pred = p?.[PREVIEW_FIELD[errorOf]];
      if (!scene.gtDisp || !p || !pred || p.width !== width || p.height !== height) return undefined;
      return { kind: 'error', width, height, pred, gt: scene.gtDisp.data };
    }
    case 'occlusion': {
      const p = previewOf(buffers, scene);
      return p?.occlusion ? { kind: 'occ', width: p.width, height: p.height, data: p.occlusion } : undefined;
    }
    default: {
      const p = previewOf(buffers, scene);
      const data = p?.[PREVIEW_FIELD[key]];
      return p && data ? { kind: 'disp', width: p.width, height: p.height, data, gt: false } : undefined;
    }
  }
}

export interface Rendered {
  rgba: Uint8ClampedArray;
  /** Value range of the colours, disparity in the scene's px, for the colour bar. */
  range?: [number, number];
}

const noGt = (v: number) => !(v > 0);

type DispSource = Extract<MapSource, { kind: 'disp' }>;

/** Percentiles of the auto range. */
const AUTO_PERCENTILES: [number, number] = [1, 99];

/**
 * A map's own colour range: the 1st-99th percentile of its valid values (GT: values > 0), in
 * the map's own px. Cached per array: maps are replaced when they change, never written in place
 * (the canvases' bitmap cache relies on the same), and every panel asks for the GT's range.
 */
const ownRanges = new WeakMap<Float32Array, [number, number]>();
export function ownRange(src: DispSource): [number, number] {
  let r = ownRanges.get(src.data);
  if (!r) {
    r = percentileRange(src.data, AUTO_PERCENTILES[0], AUTO_PERCENTILES[1], src.gt ? noGt : undefined);
    ownRanges.set(src.data, r);
  }
  return r;
}

/** Where a shared range comes from: the view's fixed numbers, the GT, or the maps shown. */
export type RangeSource = 'fixed' | 'gt' | 'maps';

export interface SharedRange {
  /** Disparity in the scene's px. */
  range: [number, number];
  source: RangeSource;
}

/**
 * The range that every disparity panel shares: the GT's when there is GT (the scale the maps
 * are judged against), else the union of the predicted maps' own ranges (so no map is clipped
 * more than its own range would), or undefined when there is no map at all.
 */
export function sharedRange(gt: [number, number] | undefined, maps: readonly [number, number][]): SharedRange | undefined {
  if (gt) return { range: [gt[0], gt[1]], source: 'gt' };
  if (maps.length === 0) return undefined;
  return { range: [Math.min(...maps.map((r) => r[0])), Math.max(...maps.map((r) => r[1]))], source: 'maps' };
}

/** A range in a map's own px, in the scene's px (predictions may be smaller than the scene). */
const toScenePx = (r: [number, number], src: DispSource, sceneWidth: number): [number, number] => [
  (r[0] * sceneWidth) / src.width,
  (r[1] * sceneWidth) / src.width,
];

const SHARED_KEYS = ['stereo', 'single', 'fused'] as const;

/**
 * The colour range the disparity panels of `scene` share under the view settings, in the
 * scene's px, or undefined when each panel takes its own (auto range, sameRange off).
 */
export function panelsRange(
  scene: SceneData | undefined,
  buffers: AppBuffers,
  view: Pick<ViewSlice, 'rangeMode' | 'rangeMin' | 'rangeMax' | 'sameRange' | 'errorOf'>,
): SharedRange | undefined {
  if (view.rangeMode === 'fixed') return { range: [view.rangeMin, view.rangeMax], source: 'fixed' };
  if (!view.sameRange || !scene) return undefined;
  const disp = (key: MapKey) => {
    const src = mapSource(key, scene, buffers, view.errorOf);
    return src?.kind === 'disp' ? src : undefined;
  };
  const gt = disp('gt');
  const maps = SHARED_KEYS.map(disp).filter((m): m is DispSource => m !== undefined);
  return sharedRange(
    gt && toScenePx(ownRange(gt), gt, scene.width),
    maps.map((m) => toScenePx(ownRange(m), m, scene.width)),
  );
}

export interface MapStyle {
  cmap: ColormapName;
  /** Colour range of disparity maps in the scene's px; undefined: each map's own (ownRange). */
  range?: [number, number];
  /** The scene's width: a smaller map's disparities are scaled to it. */
  sceneWidth: number;
}

/** RGBA pixels of a map with the panel settings. */
export function renderMap(src: MapSource, style: MapStyle): Rendered {
  const { width, height } = src;
  switch (src.kind) {
    case 'rgb': {
      const n = width * height;
      const rgba = new Uint8ClampedArray(n * 4);
      for (let i = 0; i < n; i++) {
        rgba[4 * i] = src.data[3 * i] * 255;
        rgba[4 * i + 1] = src.data[3 * i + 1] * 255;
        rgba[4 * i + 2] = src.data[3 * i + 2] * 255;
        rgba[4 * i + 3] = 255;
      }
      return { rgba };
    }
    case 'occ':
      return colorize(src.data, width, height, { cmap: 'grey', range: [0, 1] });
    case 'error':
      return { rgba: colorizeError(src.pred, src.gt, width, height) };
    case 'disp': {
      const k = width / style.sceneWidth; // scene px -> this map's px
      const range: [number, number] = style.range ? [style.range[0] * k, style.range[1] * k] : ownRange(src);
      const r = colorize(src.data, width, height, { cmap: style.cmap, range, invalid: src.gt ? noGt : undefined });
      return { rgba: r.rgba, range: toScenePx(r.range, src, style.sceneWidth) };
    }
  }
}

/** Red, with alpha = occlusion, for the overlay on the left image. */
export function occlusionOverlay(occ: Float32Array): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(occ.length * 4);
  for (let i = 0; i < occ.length; i++) {
    rgba[4 * i] = 255;
    rgba[4 * i + 1] = 32;
    rgba[4 * i + 2] = 32;
    rgba[4 * i + 3] = Math.max(0, Math.min(1, occ[i])) * 255;
  }
  return rgba;
}

/** The value of a map at the image fractions (u, v), in the scene's pixels for disparities. */
export function valueAt(src: MapSource, u: number, v: number, sceneWidth: number): number | [number, number, number] | undefined {
  const x = Math.floor(u * src.width);
  const y = Math.floor(v * src.height);
  if (x < 0 || y < 0 || x >= src.width || y >= src.height) return undefined;
  const i = y * src.width + x;
  switch (src.kind) {
    case 'rgb':
      return [src.data[3 * i], src.data[3 * i + 1], src.data[3 * i + 2]];
    case 'occ':
      return src.data[i];
    case 'error':
      return src.gt[i] > 0 ? Math.abs(src.pred[i] - src.gt[i]) : undefined;
    case 'disp':
      if (src.gt && !(src.data[i] > 0)) return undefined;
      return src.data[i] * (sceneWidth / src.width);
  }
}
