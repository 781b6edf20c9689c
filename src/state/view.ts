// The view slice: how the panels draw the maps (colormap, range, overlay, compare, zoom and pan)
// and the point under the cursor. Positions are fractions of the image (u across, v down), so
// maps of different sizes line up.
import type { ColormapName } from '../core/colormap';
import { patch, type SliceDeps } from './slice';

/** Every map a panel can show. */
export type MapKey = 'left' | 'right' | 'stereo' | 'single' | 'occlusion' | 'fused' | 'gt' | 'error';

export interface Zoom {
  /** 1 = whole image; 2 = half the width visible; ... */
  scale: number;
  /** Centre of the view, as fractions of the image. */
  cu: number;
  cv: number;
}

export interface ViewSlice {
  cmap: ColormapName;
  /** auto: 1st-99th percentile (see sameRange); fixed: [rangeMin, rangeMax] px for every disparity map. */
  rangeMode: 'auto' | 'fixed';
  /**
   * With the auto range: every disparity panel (StereoNet, SingleNet, fused, GT) uses one colour
   * range, the GT's when the pair has GT, else the union of the maps' own ranges, so that equal
   * colours are equal disparities across panels. Off: each panel takes its own map's range.
   */
  sameRange: boolean;
  rangeMin: number;
  rangeMax: number;
  /** Opacity of the occlusion overlay on the left image, 0..1. */
  overlay: number;
  /** Which map the error map scores against GT. */
  errorOf: 'stereo' | 'single' | 'fused';
  compareA: MapKey;
  compareB: MapKey;
  /** Compare slider position, 0..1 of the width: A on the left of it, B on the right. */
  split: number;
  zoom: Zoom;
  /** Point under the cursor, or undefined. */
  hover?: { u: number; v: number };
}

export interface ViewActions {
  setView: (fields: Partial<Omit<ViewSlice, 'zoom' | 'hover'>>) => void;
  setHover: (hover: { u: number; v: number } | undefined) => void;
  /** Zooms by `factor` keeping the image point (u, v) under the cursor. */
  zoomAt: (u: number, v: number, factor: number) => void;
  /** Moves the view by a fraction of the image. */
  panBy: (du: number, dv: number) => void;
  resetZoom: () => void;
}

export const MAX_ZOOM = 32;

export function initialView(): ViewSlice {
  return {
    cmap: 'magma',
    rangeMode: 'auto',
    sameRange: true,
    rangeMin: 0,
    rangeMax: 64,
    overlay: 0.35,
    errorOf: 'fused',
    compareA: 'stereo',
    compareB: 'single',
    split: 0.5,
    zoom: { scale: 1, cu: 0.5, cv: 0.5 },
  };
}

/** Keeps the view inside the image. */
export function clampZoom(z: Zoom): Zoom {
  const scale = Math.min(MAX_ZOOM, Math.max(1, z.scale));
  const half = 0.5 / scale;
  const clamp = (c: number) => Math.min(1 - half, Math.max(half, c));
  return { scale, cu: clamp(z.cu), cv: clamp(z.cv) };
}

export function viewSlice(d: SliceDeps): ViewActions {
  const z = () => d.get().view.zoom;
  return {
    setView: (fields) => patch(d, 'view', fields),
    setHover: (hover) => patch(d, 'view', { hover }),
    zoomAt: (u, v, factor) => {
      const { scale, cu, cv } = z();
      const next = Math.min(MAX_ZOOM, Math.max(1, scale * factor));
      const k = scale / next; // the point (u, v) stays where it is on screen
      patch(d, 'view', { zoom: clampZoom({ scale: next, cu: u + (cu - u) * k, cv: v + (cv - v) * k }) });
    },
    panBy: (du, dv) => {
      const { scale, cu, cv } = z();
      patch(d, 'view', { zoom: clampZoom({ scale, cu: cu + du, cv: cv + dv }) });
    },
    resetZoom: () => patch(d, 'view', { zoom: { scale: 1, cu: 0.5, cv: 0.5 } }),
  };
}
