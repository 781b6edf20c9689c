// What each panel shows, read from the buffers as plain arrays, and how it is coloured.
// No DOM here: panels turn the RGBA arrays into pixels.
import { colorize, colorizeError, type ColormapName } from '../core/colormap';
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
  /** Value range of the colours (disparity in px), for the colour bar. */
  range?: [number, number];
}

const noGt = (v: number) => !(v > 0);

/** RGBA pixels of a map with the panel settings. */
export function renderMap(src: MapSource, view: Pick<ViewSlice, 'cmap' | 'rangeMode' | 'rangeMin' | 'rangeMax'>): Rendered {
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
      const range = view.rangeMode === 'fixed' ? ([view.rangeMin, view.rangeMax] as [number, number]) : 'auto';
      return colorize(src.data, width, height, { cmap: view.cmap as ColormapName, range, invalid: src.gt ? noGt : undefined });
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
