// How the panels draw: colormap, disparity range (shared by the panels or each its own), occlusion overlay, which map the error map
// scores, and the zoom reset.
import { COLORMAP_NAMES, type ColormapName } from '../core/colormap';
import { useApp } from './StoreContext';

export function ViewControls() {
  const cmap = useApp((s) => s.view.cmap);
  const rangeMode = useApp((s) => s.view.rangeMode);
  const sameRange = useApp((s) => s.view.sameRange);
  const rangeMin = useApp((s) => s.view.rangeMin);
  const rangeMax = useApp((s) => s.view.rangeMax);
  const overlay = useApp((s) => s.view.overlay);
  const errorOf = useApp((s) => s.view.errorOf);
  const zoom = useApp((s) => s.view.zoom.scale);
  const setView = useApp((s) => s.setView);
  const resetZoom = useApp((s) => s.resetZoom);

  const num = (text: string, fallback: number) => (text.trim() === '' || !Number.isFinite(Number(text)) ? fallback : Number(text));
  return (
    <div className="view-controls" role="group" aria-label="View">
      <label>
        Colormap{' '}
        <select aria-label="Colormap" value={cmap} onChange={(e) => setView({ cmap: e.target.value as ColormapName })}>
          {COLORMAP_NAMES.filter((c) => c !== 'viridis').map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        Range{' '}
        <select aria-label="Range" value={rangeMode} onChange={(e) => setView({ rangeMode: e.target.value as 'auto' | 'fixed' })}>
          <option value="auto">auto (1st–99th percentile)</option>
          <option value="fixed">fixed</option>
        </select>
      </label>
      {rangeMode === 'auto' && (
        <label title="One colour range for StereoNet, SingleNet, fused and GT: the GT's when the pair has GT, else the union of the maps' ranges. Off: each panel picks its own, and equal colours need not be equal disparities.">
          <input type="checkbox" checked={sameRange} onChange={(e) => setView({ sameRange: e.target.checked })} /> Same range for all disparity panels
        </label>
      )}
      {rangeMode === 'fixed' && (
        <>
          <label>
            min{' '}
            <input type="number" aria-label="Range min (px)" step="any" value={rangeMin} onChange={(e) => setView({ rangeMin: num(e.target.value, rangeMin) })} style={{ width: '5em' }} />
          </label>
          <label>
            max{' '}
            <input type="number" aria-label="Range max (px)" step="any" value={rangeMax} onChange={(e) => setView({ rangeMax: num(e.target.value, rangeMax) })} style={{ width: '5em' }} />
          </label>
          px
        </>
      )}
      <label title="Opacity of the occlusion map drawn in red over the left image">
        Occlusion overlay{' '}
        <input type="range" aria-label="Occlusion overlay" min={0} max={1} step={0.05} value={overlay} onChange={(e) => setView({ overlay: Number(e.target.value) })} />
      </label>
      <label>
        Error of{' '}
        <select aria-label="Error of" value={errorOf} onChange={(e) => setView({ errorOf: e.target.value as 'stereo' | 'single' | 'fused' })}>
          <option value="stereo">StereoNet</option>
          <option value="single">SingleNet</option>
          <option value="fused">Fused</option>
        </select>
      </label>
      <button type="button" onClick={resetZoom} disabled={zoom === 1}>
        Reset zoom{zoom !== 1 ? ` (${zoom.toFixed(1)}×)` : ''}
      </button>
    </div>
  );
}
