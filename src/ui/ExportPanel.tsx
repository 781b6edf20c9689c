// Downloads of the selected pair's results: each disparity map as a 16-bit PNG (KITTI convention)
// and as PFM, depth in metres (PFM) when the camera calibration is known (calib.txt) or typed here,
// and a coloured point cloud (binary PLY) of the chosen map. The encoders are src/data/export.ts;
// this panel reads the maps from the buffers when a button is pressed, so a file is always the map
// the panels show at that moment.
import { useMemo, useState, type ChangeEvent } from 'react';
import type { StereoCalib } from '../data/calib';
import {
  KITTI_MAX_DISP,
  encodeDispKittiPng,
  encodeMapPfm,
  depthFromDisp,
  encodePointCloudPly,
  exportFileName,
  parseCalibInput,
  type CalibInput,
} from '../data/export';
import type { PairMeta } from '../state/dataset';
import { useApp, useAppStore } from './StoreContext';

/** The disparity maps a pair can have, their field in PreviewMaps, label and file-name part. */
const DISP_MAPS = [
  { field: 'stereoDisp', label: 'StereoNet', file: 'stereo' },
  { field: 'singleDisp', label: 'SingleNet', file: 'single' },
  { field: 'fusedDisp', label: 'Fused', file: 'fused' },
] as const;
type DispField = (typeof DISP_MAPS)[number]['field'];

/** Saves bytes as a file through a temporary link (the browser's own download). */
export function saveBytes(bytes: Uint8Array | string, name: string, type: string): void {
  // Blob wants ArrayBuffer-backed views; every array given here is one (none is a SharedArrayBuffer view).
  const blob = new Blob([bytes as Uint8Array<ArrayBuffer> | string], { type });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

const fieldsOf = (c: StereoCalib | undefined): CalibInput =>
  c ? { focalPx: String(c.focalPx), baselineM: String(c.baselineM), doffs: String(c.doffs) } : { focalPx: '', baselineM: '', doffs: '' };

export function ExportPanel() {
  const pair = useApp((s) => s.dataset.pairs.find((p) => p.id === s.dataset.selectedId));
  // The chosen map outlives the form: it is a preference, not a property of the pair.
  const [chosen, setChosen] = useState<DispField | undefined>(undefined);
  if (!pair) return null;
  // A fresh form per pair (and per calibration it is given), so typed values never carry to another pair.
  const c = pair.calib;
  return <ExportForm key={`${pair.id}|${c ? `${c.focalPx},${c.baselineM},${c.doffs}` : ''}`} pair={pair} chosen={chosen} setChosen={setChosen} />;
}

interface FormProps {
  pair: PairMeta;
  chosen: DispField | undefined;
  setChosen: (f: DispField) => void;
}

function ExportForm({ pair, chosen, setChosen }: FormProps) {
  const store = useAppStore();
  const previewVersion = useApp((s) => s.training.previewVersion);
  const datasetVersion = useApp((s) => s.dataset.version);
  const [fields, setFields] = useState<CalibInput>(() => fieldsOf(pair.calib));
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState('');

  const available = useMemo(() => {
    const maps = store.getState().buffers.previews.get(pair.id);
    return DISP_MAPS.filter((m) => maps?.[m.field] !== undefined);
    // previewVersion and datasetVersion tell when the buffers changed.
  }, [store, pair.id, previewVersion, datasetVersion]);

  if (available.length === 0) {
    return (
      <section className="export-panel" aria-labelledby="export-heading">
        <h3 id="export-heading">Export</h3>
        <p className="muted">Nothing to export yet: this pair has no maps. Press Load pretrained (Model panel) or Train.</p>
      </section>
    );
  }

  const pick = available.find((m) => m.field === chosen) ?? available.find((m) => m.field === 'fusedDisp') ?? available[0];
  const calib = parseCalibInput(fields);
  const fromFile = pair.calib && fields.focalPx === String(pair.calib.focalPx) && fields.baselineM === String(pair.calib.baselineM) && fields.doffs === String(pair.calib.doffs);
  const size = `${pair.width}×${pair.height}`;
  const maxDisp = (Math.floor(KITTI_MAX_DISP * 100) / 100).toFixed(2); // 255.99: rounding up would promise 256

  /** Runs one export with the current maps, reporting what was saved or what stopped it. */
  const run = (make: () => string) => {
    try {
      setProblem('');
      setNote(make());
    } catch (err) {
      setNote('');
      setProblem(err instanceof Error ? err.message : String(err));
    }
  };
  const mapOf = (field: DispField) => {
    const maps = store.getState().buffers.previews.get(pair.id);
    const d = maps?.[field];
    if (!maps || !d) throw new Error('That map is gone (the weights were reset or the pair changed). Press Load pretrained or Train for new maps.');
    return { d, width: maps.width, height: maps.height };
  };

  const savePng = (m: (typeof DISP_MAPS)[number]) =>
    run(() => {
      const { d, width, height } = mapOf(m.field);
      const png = encodeDispKittiPng(d, width, height);
      const name = exportFileName(pair.name, `${m.file}_disp.png`);
      saveBytes(png.bytes, name, 'image/png');
      const clamped = png.clamped > 0 ? ` ${png.clamped} pixels above ${maxDisp} px, the most a KITTI PNG holds, were stored as that.` : '';
      return `Saved ${name} (${width}×${height}, 16-bit, value = 256 × disparity).${clamped}`;
    });
  const savePfm = (m: (typeof DISP_MAPS)[number]) =>
    run(() => {
      const { d, width, height } = mapOf(m.field);
      const name = exportFileName(pair.name, `${m.file}_disp.pfm`);
      saveBytes(encodeMapPfm(d, width, height), name, 'application/octet-stream');
      return `Saved ${name} (${width}×${height}, float32 disparity in px).`;
    });
  const saveDepth = () =>
    run(() => {
      if (calib.state !== 'ok') throw new Error('Depth in metres needs the focal length and baseline: type them above.');
      const { d, width, height } = mapOf(pick.field);
      const name = exportFileName(pair.name, `${pick.file}_depth.pfm`);
      saveBytes(encodeMapPfm(depthFromDisp(d, calib.calib), width, height), name, 'application/octet-stream');
      return `Saved ${name} (${width}×${height}, float32 depth in metres; +inf where disparity + doffs is not positive).`;
    });
  const saveCloud = () =>
    run(() => {
      if (calib.state === 'error') throw new Error(`${calib.message} (Or clear the three fields for a cloud that is not metric.)`);
      const { d, width, height } = mapOf(pick.field);
      const scene = store.getState().buffers.scenes.get(pair.id);
      if (!scene || scene.width !== width || scene.height !== height) throw new Error(`The left image is not at the map's size (${width}×${height}): select the pair again and retry.`);
      const cloud = encodePointCloudPly({ width, height, leftRgb: scene.leftImg.data, dispPx: d, calib: calib.state === 'ok' ? calib.calib : undefined });
      const name = exportFileName(pair.name, `${pick.file}_cloud.ply`);
      saveBytes(cloud.bytes, name, 'application/octet-stream');
      return `Saved ${name}: ${cloud.count} points (${width * height - cloud.count} pixels without a usable disparity skipped), ${cloud.metric ? 'in metres' : 'disparity-scaled, not metric'}.`;
    });

  const setField = (k: keyof CalibInput) => (e: ChangeEvent<HTMLInputElement>) => setFields({ ...fields, [k]: e.target.value });
  return (
    <section className="export-panel" aria-labelledby="export-heading">
      <h3 id="export-heading">Export</h3>
      <p className="muted">
        Disparity in pixels of this pair ({size}). 16-bit PNG: the KITTI convention, value = round(256 × disparity), 0 = no value, at most {maxDisp}{' '}
        px. PFM: float32, exact.
      </p>
      <table className="metrics" aria-label="Export disparity maps">
        <tbody>
          {available.map((m) => (
            <tr key={m.field}>
              <th scope="row">{m.label}</th>
              <td>
                <button type="button" aria-label={`${m.label} disparity, 16-bit PNG`} onClick={() => savePng(m)}>
                  16-bit PNG
                </button>
              </td>
              <td>
                <button type="button" aria-label={`${m.label} disparity, PFM`} onClick={() => savePfm(m)}>
                  PFM
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <fieldset className="export-3d">
        <legend>Depth and point cloud</legend>
        <div className="view-controls">
          <label>
            From map{' '}
            <select aria-label="Export map" value={pick.field} onChange={(e) => setChosen(e.target.value as DispField)}>
              {available.map((m) => (
                <option key={m.field} value={m.field}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Focal length (px){' '}
            <input type="text" inputMode="decimal" size={8} aria-label="Focal length (px)" value={fields.focalPx} onChange={setField('focalPx')} />
          </label>
          <label>
            Baseline (m){' '}
            <input type="text" inputMode="decimal" size={8} aria-label="Baseline (m)" value={fields.baselineM} onChange={setField('baselineM')} />
          </label>
          <label>
            doffs (px){' '}
            <input type="text" inputMode="decimal" size={6} aria-label="doffs (px)" value={fields.doffs} placeholder="0" onChange={setField('doffs')} />
          </label>
        </div>
        <p className="muted" data-testid="export-calib">
          {calib.state === 'ok'
            ? `Calibration ${fromFile ? `from ${pair.calib!.source}` : 'entered'}: depth = ${calib.calib.focalPx} × ${calib.calib.baselineM} / (disparity + ${calib.calib.doffs}) metres. Give the numbers in pixels of this pair (${size}${pair.factor !== 1 ? `, the files downscaled by ${pair.factor}: divide the file's focal length and doffs by ${pair.factor}` : ''}).`
            : calib.state === 'empty'
              ? `No calibration for this pair: type the focal length (px, of this pair at ${size}), the baseline (m) and doffs (px, Middlebury calib.txt; 0 if unknown) for depth in metres and a metric cloud.`
              : ''}
        </p>
        {calib.state === 'error' && (
          <p role="alert" className="problem">
            {calib.message}
          </p>
        )}
        {calib.state === 'ok' && calib.warning && <p className="problem">{calib.warning}</p>}
        <p>
          <button type="button" disabled={calib.state !== 'ok'} onClick={saveDepth} title="float32 depth in metres, +inf where there is none">
            Depth (PFM, metres)
          </button>{' '}
          <button type="button" disabled={calib.state === 'error'} onClick={saveCloud}>
            Point cloud (PLY)
          </button>
        </p>
        <p className="muted" data-testid="export-cloud-kind">
          {calib.state === 'ok'
            ? 'The point cloud is in metres, in the left camera frame (x right, y down, z forward; principal point at the image centre), coloured from the left image.'
            : calib.state === 'empty'
              ? 'Without calibration the point cloud is disparity-scaled, not metric: Z = width / disparity, X and Y likewise, so its shape is right only up to an unknown scale and depth stretch.'
              : 'Correct the calibration above for a cloud in metres, or clear its fields for a disparity-scaled one.'}
        </p>
      </fieldset>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      <p className="muted" aria-live="polite" data-testid="export-note">
        {note}
      </p>
    </section>
  );
}
