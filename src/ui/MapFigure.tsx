// One panel: a labelled figure with the map's canvas and its legend.
import { useRef } from 'react';
import type { MapKey } from '../state/view';
import { ColorBar, ErrorLegend } from './ColorBar';
import { MapCanvas } from './MapCanvas';
import { MAP_LABEL } from './maps';
import { useApp } from './StoreContext';

const DISPARITY: readonly MapKey[] = ['stereo', 'single', 'fused', 'gt'];
/** Panels drawn from the networks' maps (PreviewMaps). */
const PREDICTED: readonly MapKey[] = ['stereo', 'single', 'fused', 'occlusion', 'error'];

/**
 * The scale of the selected pair's maps when they are an approximate preview (the networks ran
 * on the pair shrunk: src/train/previewSchedule.ts, scaleFor), else undefined. Re-read whenever
 * a preview arrives (previewVersion).
 */
function useApproxScale(): number | undefined {
  return useApp((s) => {
    void s.training.previewVersion;
    const id = s.dataset.selectedId;
    const scale = id !== undefined ? s.buffers.previews.get(id)?.scale : undefined;
    return scale !== undefined && scale < 1 ? scale : undefined;
  });
}

export function MapFigure({ mapKey, overlay = false }: { mapKey: MapKey; overlay?: boolean }) {
  const label = MAP_LABEL[mapKey];
  const range = useRef<((range?: [number, number]) => void) | null>(null);
  const approx = useApproxScale();
  const scaleNote = approx !== undefined && PREDICTED.includes(mapKey);
  return (
    <figure className="map-figure" aria-label={label}>
      <MapCanvas keys={[mapKey]} overlay={overlay} rangeOut={range} label={label} />
      <figcaption>
        <span className="map-title">{label}</span>
        {scaleNote && (
          <span className="preview-scale" style={{ color: '#b60', fontWeight: 600 }} title="A full-resolution pass did not fit the time between refreshes, so this preview ran on the pair shrunk; the networks are not scale-equivariant, so it is an approximation. Pause, a stage's end and the final maps are full resolution.">
            preview at 1/{Math.round(1 / approx)} scale
          </span>
        )}
        {DISPARITY.includes(mapKey) && <ColorBar rangeIn={range} />}
        {mapKey === 'occlusion' && <span className="legend-text">black: seen by both views · white: occluded or out of view</span>}
        {mapKey === 'error' && <ErrorLegend />}
        {overlay && <span className="legend-text">red: occluded (overlay)</span>}
      </figcaption>
    </figure>
  );
}
