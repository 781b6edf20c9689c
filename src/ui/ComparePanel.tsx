// A compare view: map A left of the divider, map B right of it, zoomed and panned with the rest.
// The divider drags on the image (mouse or finger, see usePointerInspect) or with the Split slider
// (keyboard).
import type { MapKey } from '../state/view';
import { MapCanvas } from './MapCanvas';
import { MAP_SHORT } from './maps';
import { useApp } from './StoreContext';

const CHOICES: readonly MapKey[] = ['left', 'right', 'stereo', 'single', 'occlusion', 'fused', 'gt', 'error'];

export function ComparePanel() {
  const a = useApp((s) => s.view.compareA);
  const b = useApp((s) => s.view.compareB);
  const split = useApp((s) => s.view.split);
  const setView = useApp((s) => s.setView);
  const pick = (value: MapKey, onChange: (k: MapKey) => void, label: string) => (
    <label>
      {label}{' '}
      <select aria-label={`Compare: ${label}`} value={value} onChange={(e) => onChange(e.target.value as MapKey)}>
        {CHOICES.map((k) => (
          <option key={k} value={k}>
            {MAP_SHORT[k]}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <figure className="map-figure compare" aria-label="Compare">
      <MapCanvas keys={[a, b]} label={`Compare ${MAP_SHORT[a]} and ${MAP_SHORT[b]}`} />
      <figcaption>
        <span className="map-title">Compare</span>
        {pick(a, (k) => setView({ compareA: k }), 'left of the divider')}
        {pick(b, (k) => setView({ compareB: k }), 'right of it')}
        <label>
          Split{' '}
          <input type="range" aria-label="Compare split" min={0} max={1} step={0.01} value={split} onChange={(e) => setView({ split: Number(e.target.value) })} />
        </label>
      </figcaption>
    </figure>
  );
}
