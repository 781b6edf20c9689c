// One panel: a labelled figure with the map's canvas and its legend.
import { useRef } from 'react';
import type { MapKey } from '../state/view';
import { ColorBar, ErrorLegend } from './ColorBar';
import { MapCanvas } from './MapCanvas';
import { MAP_LABEL } from './maps';

const DISPARITY: readonly MapKey[] = ['stereo', 'single', 'fused', 'gt'];

export function MapFigure({ mapKey, overlay = false }: { mapKey: MapKey; overlay?: boolean }) {
  const label = MAP_LABEL[mapKey];
  const range = useRef<((range?: [number, number]) => void) | null>(null);
  return (
    <figure className="map-figure" aria-label={label}>
      <MapCanvas keys={[mapKey]} overlay={overlay} rangeOut={range} label={label} />
      <figcaption>
        <span className="map-title">{label}</span>
        {DISPARITY.includes(mapKey) && <ColorBar rangeIn={range} />}
        {mapKey === 'occlusion' && <span className="legend-text">black: seen by both views · white: occluded or out of view</span>}
        {mapKey === 'error' && <ErrorLegend />}
        {overlay && <span className="legend-text">red: occluded (overlay)</span>}
      </figcaption>
    </figure>
  );
}
