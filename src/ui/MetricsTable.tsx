// EPE, D1, bad-1 and bad-3 of each map of the selected pair against its GT (disparityMetrics on
// the full-size maps), on every pixel with GT and, with a mask, on the non-occluded ones.
import { useMemo } from 'react';
import { disparityMetrics, type DispStats } from '../core/metrics';
import { useApp, useAppStore } from './StoreContext';

const ROWS = [
  ['stereoDisp', 'StereoNet'],
  ['singleDisp', 'SingleNet'],
  ['fusedDisp', 'Fused'],
] as const;

const cell = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

export function MetricsTable() {
  const store = useAppStore();
  const id = useApp((s) => s.dataset.selectedId);
  const previewVersion = useApp((s) => s.training.previewVersion);
  const datasetVersion = useApp((s) => s.dataset.version);
  const hasGt = useApp((s) => s.dataset.pairs.find((p) => p.id === s.dataset.selectedId)?.hasGt ?? false);

  const rows = useMemo(() => {
    const { buffers } = store.getState();
    const scene = id !== undefined ? buffers.scenes.get(id) : undefined;
    const maps = id !== undefined ? buffers.previews.get(id) : undefined;
    if (!scene?.gtDisp || !maps || maps.width !== scene.width || maps.height !== scene.height) return [];
    const mask = scene.nonOccMask;
    return ROWS.flatMap(([field, name]) => {
      const d = maps[field];
      if (!d) return [];
      const m = disparityMetrics(d, scene.gtDisp!.data, mask ? { mask } : {});
      return [{ name, all: m.all, nonOcc: m.nonOcc }];
    });
    // previewVersion and datasetVersion tell when the buffers changed.
  }, [store, id, previewVersion, datasetVersion]);

  if (!hasGt) return <p className="muted">Metrics appear when the selected pair has ground truth.</p>;
  const withMask = rows.some((r) => r.nonOcc);
  const stats = (s: DispStats) => (
    <>
      <td>{cell(s.epe, 2)}</td>
      <td>{cell(s.d1, 1)}</td>
      <td>{cell(s.bad1, 1)}</td>
      <td>{cell(s.bad3, 1)}</td>
    </>
  );
  return (
    <table className="metrics" aria-label="Metrics">
      <caption>Against ground truth{withMask ? ' (all pixels with GT; non-occluded pixels)' : ' (all pixels with GT)'}</caption>
      <thead>
        <tr>
          <th scope="col">map</th>
          <th scope="col">EPE (px)</th>
          <th scope="col">D1 (%)</th>
          <th scope="col">bad-1 (%)</th>
          <th scope="col">bad-3 (%)</th>
          {withMask && (
            <>
              <th scope="col">EPE non-occ.</th>
              <th scope="col">D1 non-occ.</th>
              <th scope="col">bad-1 non-occ.</th>
              <th scope="col">bad-3 non-occ.</th>
            </>
          )}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && (
          <tr>
            <td colSpan={withMask ? 9 : 5}>No maps yet: press Train.</td>
          </tr>
        )}
        {rows.map((r) => (
          <tr key={r.name}>
            <th scope="row">{r.name}</th>
            {stats(r.all)}
            {withMask && r.nonOcc && stats(r.nonOcc)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
