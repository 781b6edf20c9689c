// The panels of the selected pair, live during training: images, the three networks' maps, the
// occlusion map, GT and error when the pair has GT, a compare view, the hover read-out, metrics,
// and a 3D relief.
import type { MapKey } from '../state/view';
import { ComparePanel } from './ComparePanel';
import { ExportPanel } from './ExportPanel';
import { HoverReadout } from './HoverReadout';
import { MapFigure } from './MapFigure';
import { MetricsTable } from './MetricsTable';
import { ReliefPanel } from './ReliefPanel';
import { useApp } from './StoreContext';
import { ViewControls } from './ViewControls';

const ALWAYS: readonly MapKey[] = ['right', 'stereo', 'single', 'occlusion', 'fused'];

export function MapsPanel() {
  const selected = useApp((s) => s.dataset.pairs.find((p) => p.id === s.dataset.selectedId));
  return (
    <section aria-labelledby="maps-heading" className="maps-panel">
      <h2 id="maps-heading">
        Maps{selected ? `: ${selected.name} (${selected.width}×${selected.height})` : ''}
      </h2>
      <ViewControls />
      <HoverReadout />
      <div className="map-grid">
        <MapFigure mapKey="left" overlay />
        {ALWAYS.map((k) => (
          <MapFigure key={k} mapKey={k} />
        ))}
        {selected?.hasGt && <MapFigure mapKey="gt" />}
        {selected?.hasGt && <MapFigure mapKey="error" />}
        <ComparePanel />
      </div>
      <h3>Metrics</h3>
      <MetricsTable />
      <ExportPanel />
      <ReliefPanel />
    </section>
  );
}
