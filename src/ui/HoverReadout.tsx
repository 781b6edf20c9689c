// The values under the cursor (or the finger, on a touch screen) in every map of the selected
// pair: disparities in pixels of the pair's size, and whether the point is occluded.
import './hoverReadout.css';
import type { AppState } from '../state/store';
import type { MapKey } from '../state/view';
import { MAP_SHORT, mapSource, valueAt } from './maps';
import { useApp } from './StoreContext';

const DISPARITIES: readonly MapKey[] = ['stereo', 'single', 'fused', 'gt'];

export function hoverText(s: AppState): string {
  const hover = s.view.hover;
  const id = s.dataset.selectedId;
  const scene = id !== undefined ? s.buffers.scenes.get(id) : undefined;
  if (!hover || !scene) return 'Hover over a map (or tap and hold it) to read its values.';
  const x = Math.floor(hover.u * scene.width);
  const y = Math.floor(hover.v * scene.height);
  const parts: string[] = [];
  for (const key of DISPARITIES) {
    const src = mapSource(key, scene, s.buffers, s.view.errorOf);
    if (!src) continue;
    const v = valueAt(src, hover.u, hover.v, scene.width);
    parts.push(`${MAP_SHORT[key]} ${typeof v === 'number' ? `${v.toFixed(2)} px` : 'none'}`);
  }
  const occ = mapSource('occlusion', scene, s.buffers, s.view.errorOf);
  const o = occ && valueAt(occ, hover.u, hover.v, scene.width);
  if (typeof o === 'number') parts.push(o >= 0.5 ? 'occluded' : 'not occluded');
  const left = valueAt(mapSource('left', scene, s.buffers, s.view.errorOf)!, hover.u, hover.v, scene.width);
  if (Array.isArray(left)) parts.push(`left RGB ${left.map((c) => Math.round(c * 255)).join(', ')}`);
  return `x ${x}, y ${y}: ${parts.join(' · ')}${parts.length === 1 ? ' (no maps yet: press Train)' : ''}`;
}

export function HoverReadout() {
  const text = useApp(hoverText); // a string: re-renders only when the text changes
  return (
    <p className="hover-readout" data-testid="hover-readout">
      {text}
    </p>
  );
}
