// EPE, D1, bad-1 and bad-3 of each map of the selected pair against its GT (disparityMetrics on
// the full-size maps), on every pixel with GT and, with a mask, on the non-occluded ones. After
// Adapt, a pair it trained on shows two groups of rows: the weights it started from (scored as it
// started) and those it ended with (scored at its end; while it runs, the live maps). A pair whose
// calibration is known (a calib.txt beside it) also gets the depth errors of the current maps (DepthTable).
import { useMemo } from 'react';
import type { DepthStats, DispStats } from '../core/metrics';
import type { StereoCalib } from '../data/calib';
import { exportFileName, metricsCsv } from '../data/export';
import { SCORED_MAPS, scoreDepth, scoreMaps, type MapScores } from '../state/adapt';
import { saveBytes } from './ExportPanel';
import { useApp, useAppStore } from './StoreContext';

const cell = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

interface Row {
  name: string;
  all: DispStats;
  nonOcc?: DispStats;
}

const rowsOf = (scores: MapScores): Row[] =>
  SCORED_MAPS.flatMap(([field, name]) => {
    const m = scores[field];
    return m ? [{ name, all: m.all, nonOcc: m.nonOcc }] : [];
  });

/** A group of rows: when its maps were scored (undefined: no Adapt, one plain group). */
interface Group {
  when?: 'before' | 'after' | 'now';
  title?: string;
  rows: Row[];
}

export function MetricsTable() {
  const store = useAppStore();
  const id = useApp((s) => s.dataset.selectedId);
  const previewVersion = useApp((s) => s.training.previewVersion);
  const datasetVersion = useApp((s) => s.dataset.version);
  const hasGt = useApp((s) => s.dataset.pairs.find((p) => p.id === s.dataset.selectedId)?.hasGt ?? false);
  const pairName = useApp((s) => s.dataset.pairs.find((p) => p.id === s.dataset.selectedId)?.name ?? 'pair');
  const adapt = useApp((s) => s.training.adapt);
  const calib = useApp((s) => s.dataset.pairs.find((p) => p.id === s.dataset.selectedId)?.calib);

  const live = useMemo(() => {
    const { buffers } = store.getState();
    return id !== undefined ? rowsOf(scoreMaps(buffers.previews.get(id), buffers.scenes.get(id))) : [];
    // previewVersion and datasetVersion tell when the buffers changed.
  }, [store, id, previewVersion, datasetVersion]);

  if (!hasGt) return <p className="muted">Metrics appear when the selected pair has ground truth.</p>;
  const before = id !== undefined ? adapt?.before[id] : undefined;
  const after = id !== undefined ? adapt?.after[id] : undefined;
  const groups: Group[] =
    adapt && before
      ? [
          { when: 'before', title: `Before Adapt: the weights it started from${adapt.from ? ` (${adapt.from})` : ''}, scored as it started`, rows: rowsOf(before) },
          after
            ? { when: 'after', title: `After Adapt (${adapt.budgetSec} s budget${adapt.state === 'stopped' ? ', stopped early' : ''}), scored at its end`, rows: rowsOf(after) }
            : { when: 'now', title: adapt.state === 'failed' ? 'Now (Adapt failed)' : 'During Adapt: the latest maps', rows: adapt.state === 'before' ? [] : live },
        ]
      : [{ rows: live }];
  const withMask = groups.some((g) => g.rows.some((r) => r.nonOcc));
  const cols = withMask ? 9 : 5;
  const label = (g: Group, r: Row) => (g.when === 'before' ? `${r.name}, before` : g.when === 'after' ? `${r.name}, after` : r.name);
  const stats = (s: DispStats) => (
    <>
      <td>{cell(s.epe, 2)}</td>
      <td>{cell(s.d1, 1)}</td>
      <td>{cell(s.bad1, 1)}</td>
      <td>{cell(s.bad3, 1)}</td>
    </>
  );
  // The CSV holds the rows shown, unrounded, with the group ("before" / "after" / "now") of each.
  const csvRows = groups.flatMap((g) => g.rows.map((r) => ({ when: g.when, map: r.name, all: r.all, nonOcc: r.nonOcc })));
  const saveCsv = () => saveBytes(metricsCsv(csvRows), exportFileName(pairName, 'metrics.csv'), 'text/csv');
  return (
    <>
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
        {groups.map((g, i) => (
          <tbody key={g.when ?? i}>
            {g.title && (
              <tr className="when">
                <th scope="colgroup" colSpan={cols}>
                  {g.title}
                </th>
              </tr>
            )}
            {g.rows.length === 0 && (
              <tr>
                <td colSpan={cols}>{g.when === undefined ? 'No maps yet: press Train.' : 'No maps yet.'}</td>
              </tr>
            )}
            {g.rows.map((r) => (
              <tr key={r.name} data-when={g.when}>
                <th scope="row">{label(g, r)}</th>
                {stats(r.all)}
                {withMask && r.nonOcc && stats(r.nonOcc)}
              </tr>
            ))}
          </tbody>
        ))}
      </table>
      <p>
        <button type="button" disabled={csvRows.length === 0} onClick={saveCsv} title="The rows above at full precision, with the pixel counts">
          Download metrics (CSV)
        </button>
      </p>
      {calib && id !== undefined && <DepthTable id={id} calib={calib} />}
    </>
  );
}

const pct = (v: number) => cell(100 * v, 1);

/** Depth errors (METHOD.md: Abs Rel, Sq Rel, RMSE, RMSE log, δ < 1.25^k) of the current maps, through the pair's calibration. */
function DepthTable({ id, calib }: { id: string; calib: StereoCalib }) {
  const store = useAppStore();
  const previewVersion = useApp((s) => s.training.previewVersion);
  const datasetVersion = useApp((s) => s.dataset.version);
  const rows = useMemo(() => {
    const { buffers } = store.getState();
    const scores = scoreDepth(buffers.previews.get(id), buffers.scenes.get(id), calib);
    return SCORED_MAPS.flatMap(([field, name]): { name: string; s: DepthStats }[] => (scores[field] ? [{ name, s: scores[field] }] : []));
    // previewVersion and datasetVersion tell when the buffers changed.
  }, [store, id, calib, previewVersion, datasetVersion]);
  if (rows.length === 0) return null;
  return (
    <table className="metrics" aria-label="Depth errors">
      <caption>
        Depth of the current maps against the ground truth's, in metres: depth = {+calib.focalPx.toFixed(2)} × {calib.baselineM} / (disparity + {+calib.doffs.toFixed(3)}) ({calib.source}; all pixels with GT)
      </caption>
      <thead>
        <tr>
          <th scope="col">map</th>
          <th scope="col">Abs Rel</th>
          <th scope="col">Sq Rel (m)</th>
          <th scope="col">RMSE (m)</th>
          <th scope="col">RMSE log</th>
          <th scope="col">δ &lt; 1.25 (%)</th>
          <th scope="col">δ &lt; 1.25² (%)</th>
          <th scope="col">δ &lt; 1.25³ (%)</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ name, s }) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{cell(s.absRel, 3)}</td>
            <td>{cell(s.sqRel, 3)}</td>
            <td>{cell(s.rmse, 3)}</td>
            <td>{cell(s.rmseLog, 3)}</td>
            <td>{pct(s.a1)}</td>
            <td>{pct(s.a2)}</td>
            <td>{pct(s.a3)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
