// The optional 3D relief of a disparity map. three.js is loaded only when the panel is opened.
import { lazy, Suspense, useRef, useState } from 'react';
import type { ResetOrbit } from './Relief3D';
import type { MapKey } from '../state/view';
import { MAP_SHORT } from './maps';
import { useApp } from './StoreContext';

const Relief3D = lazy(() => import('./Relief3D'));
const CHOICES: readonly MapKey[] = ['fused', 'stereo', 'single', 'gt'];

export function ReliefPanel() {
  const [open, setOpen] = useState(false);
  const [mapKey, setMapKey] = useState<MapKey>('fused');
  const [relief, setRelief] = useState(0.4);
  const resetOrbit = useRef<ResetOrbit | null>(null);
  const hasGt = useApp((s) => s.dataset.pairs.find((p) => p.id === s.dataset.selectedId)?.hasGt ?? false);
  return (
    <details className="relief-panel" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>
        <h3>3D relief</h3>
      </summary>
      <div className="view-controls">
        <label>
          Map{' '}
          <select aria-label="Relief map" value={mapKey} onChange={(e) => setMapKey(e.target.value as MapKey)}>
            {CHOICES.filter((k) => k !== 'gt' || hasGt).map((k) => (
              <option key={k} value={k}>
                {MAP_SHORT[k]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Height{' '}
          <input type="range" aria-label="Relief height" min={0} max={1.5} step={0.05} value={relief} onChange={(e) => setRelief(Number(e.target.value))} />
        </label>
        <button type="button" onClick={() => resetOrbit.current?.()} disabled={!open}>
          Reset view
        </button>
        <span className="muted">Height is the disparity (near is high), textured with the left image. Drag to orbit, wheel to zoom, double-click to reset.</span>
      </div>
      {open && (
        <Suspense fallback={<p className="muted">Loading three.js…</p>}>
          <figure className="map-figure" aria-label="3D relief">
            <Relief3D mapKey={mapKey} relief={relief} resetRef={resetOrbit} />
          </figure>
        </Suspense>
      )}
    </details>
  );
}
