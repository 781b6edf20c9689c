// What a user can take away from a pair: its disparity maps as 16-bit PNG (KITTI convention) and
// PFM, depth in metres (PFM), a coloured point cloud (binary PLY) and the metrics table (CSV).
// Pure functions of typed arrays and numbers, so the same code runs in the page and in Node tests
// (src/data/export.test.ts reads every file back). The PNG's deflate is fast-png's (fflate,
// synchronous in both), already a dependency for reading PNGs.
import { encode as encodePng } from 'fast-png';
import type { DispStats } from '../core/metrics';
import type { StereoCalib } from './calib';
import { encodePfm } from './pfm';

/** KITTI 16-bit disparity PNG: stored value = round(256 x disparity in px), 0 = no value. */
export const KITTI_DISP_SCALE = 256;
/** The largest disparity a KITTI PNG can hold (65535 / 256 px); larger values are clamped to it. */
export const KITTI_MAX_DISP = 65535 / KITTI_DISP_SCALE;

function checkSize(op: string, what: string, length: number, expected: number, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${op}: size ${width}x${height} is not a positive whole number of pixels`);
  }
  if (length !== expected) throw new RangeError(`${op}: ${what} has ${length} values, ${expected} expected for ${width}x${height}`);
}

export interface KittiPng {
  bytes: Uint8Array;
  /** Pixels above KITTI_MAX_DISP, stored as 65535 (the format cannot hold more). */
  clamped: number;
}

/**
 * The uint16 values of a KITTI disparity PNG for a map in pixels. Non-finite or non-positive
 * disparities are 0 (KITTI's "no value"). A positive disparity that would round to 0 (below 1/512
 * px) is stored as 1 instead, so a valid pixel is never read back as missing.
 */
export function kittiDispValues(dispPx: Float32Array): { values: Uint16Array; clamped: number } {
  const values = new Uint16Array(dispPx.length);
  let clamped = 0;
  for (let i = 0; i < dispPx.length; i++) {
    const d = dispPx[i];
    if (!(d > 0) || !Number.isFinite(d)) continue; // NaN, <= 0, +-inf: no value
    const v = Math.round(d * KITTI_DISP_SCALE);
    if (v > 65535) clamped++;
    values[i] = Math.min(65535, Math.max(1, v));
  }
  return { values, clamped };
}

/** A disparity map (px, row-major width x height) as a 16-bit greyscale PNG in the KITTI convention. */
export function encodeDispKittiPng(dispPx: Float32Array, width: number, height: number): KittiPng {
  checkSize('encodeDispKittiPng', 'the map', dispPx.length, width * height, width, height);
  const { values, clamped } = kittiDispValues(dispPx);
  return { bytes: encodePng({ width, height, data: values, depth: 16, channels: 1 }), clamped };
}

/** A single-channel float map (row-major, top row first) as a little-endian PFM; values kept exactly (inf too). */
export function encodeMapPfm(map: Float32Array, width: number, height: number): Uint8Array {
  checkSize('encodeMapPfm', 'the map', map.length, width * height, width, height);
  return encodePfm({ width, height, channels: 1, data: map }, { littleEndian: true });
}

/** The numbers depth needs; StereoCalib without its source. */
export type DepthCalib = Pick<StereoCalib, 'focalPx' | 'baselineM' | 'doffs'>;

/**
 * Depth in metres from a left disparity map in pixels: focalPx * baselineM / (d + doffs).
 * Where d + doffs is not positive (or d is not finite) the point is at or beyond infinity, or the
 * disparity is no answer at all; such pixels get +Infinity, the value Middlebury's own PFM maps use
 * for "unknown", which every PFM reader keeps and no reader mistakes for a near point (0 would).
 */
export function depthFromDisp(dispPx: Float32Array, calib: DepthCalib): Float32Array {
  const fb = calib.focalPx * calib.baselineM;
  const out = new Float32Array(dispPx.length);
  for (let i = 0; i < dispPx.length; i++) {
    const denom = dispPx[i] + calib.doffs;
    out[i] = denom > 0 && Number.isFinite(denom) ? fb / denom : Infinity;
  }
  return out;
}

/** Calibration as typed in the page's fields (strings, as the inputs hold them). */
export interface CalibInput {
  focalPx: string;
  baselineM: string;
  doffs: string;
}

export type CalibParse =
  | { state: 'empty' }
  | { state: 'error'; message: string }
  | { state: 'ok'; calib: DepthCalib; warning?: string };

/** A baseline above this many metres is far more likely millimetres typed as metres (calib.txt gives mm). */
const BASELINE_WARN_M = 5;

/**
 * Reads the calibration fields. Focal length and baseline must both be given, finite and positive;
 * doffs may be empty (0) or any finite number. Both main fields empty means "no calibration".
 * Messages say which field is wrong and what to type.
 */
export function parseCalibInput(input: CalibInput): CalibParse {
  const f = input.focalPx.trim();
  const b = input.baselineM.trim();
  const o = input.doffs.trim();
  if (f === '' && b === '' && o === '') return { state: 'empty' };
  const num = (s: string) => (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? Number(s) : NaN);
  const focalPx = num(f);
  const baselineM = num(b);
  const doffs = o === '' ? 0 : num(o);
  if (f === '') return { state: 'error', message: 'Focal length is missing: type it in pixels of this pair (e.g. 3740 for Middlebury 2005 full size).' };
  if (!(focalPx > 0) || !Number.isFinite(focalPx)) return { state: 'error', message: `Focal length "${f}" is not a positive number of pixels: type e.g. 3740.` };
  if (b === '') return { state: 'error', message: 'Baseline is missing: type the distance between the cameras in metres (e.g. 0.16).' };
  if (!(baselineM > 0) || !Number.isFinite(baselineM)) return { state: 'error', message: `Baseline "${b}" is not a positive number of metres: type e.g. 0.16.` };
  if (!Number.isFinite(doffs)) return { state: 'error', message: `doffs "${o}" is not a number of pixels: type e.g. 0 (or leave it empty for 0).` };
  const calib = { focalPx, baselineM, doffs };
  return baselineM > BASELINE_WARN_M
    ? { state: 'ok', calib, warning: `A baseline of ${baselineM} m is unusual: calib.txt files give it in millimetres (type ${baselineM / 1000} for ${baselineM} mm).` }
    : { state: 'ok', calib };
}

export interface PointCloudInput {
  width: number;
  height: number;
  /** Left image, RGB HWC in [0, 1]. */
  leftRgb: Float32Array;
  /** Left disparity in px, row-major. */
  dispPx: Float32Array;
  /** With it, metres; without, a disparity-scaled cloud (see encodePointCloudPly). */
  calib?: DepthCalib;
  /** Principal point in px; the image centre (width / 2, height / 2) unless given. */
  cx?: number;
  cy?: number;
}

export interface PointCloud {
  bytes: Uint8Array;
  /** Vertices written (pixels with a usable disparity). */
  count: number;
  metric: boolean;
}

/**
 * A coloured point cloud as binary little-endian PLY (x y z float32, red green blue uchar), one
 * vertex per pixel with a usable disparity, in the left camera's frame: x right, y down, z forward
 * (image rows go down, so y does too). With a calibration, metres: Z = f B / (d + doffs),
 * X = (u - cx) Z / f, Y = (v - cy) Z / f. Without one, the same formulas with f = image width,
 * B = 1 and doffs = 0, i.e. Z = width / d: the scene's shape up to an unknown scale (in baselines),
 * right only as far as the true focal length is near the width; the header comment says which.
 * Pixels whose d (+ doffs) is not positive or not finite have no point and are skipped.
 */
export function encodePointCloudPly(input: PointCloudInput): PointCloud {
  const { width, height, leftRgb, dispPx, calib } = input;
  const n = width * height;
  checkSize('encodePointCloudPly', 'the map', dispPx.length, n, width, height);
  checkSize('encodePointCloudPly', 'the left image', leftRgb.length, n * 3, width, height);
  const f = calib ? calib.focalPx : width;
  const fb = calib ? calib.focalPx * calib.baselineM : width;
  const doffs = calib ? calib.doffs : 0;
  const cx = input.cx ?? width / 2;
  const cy = input.cy ?? height / 2;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const denom = dispPx[i] + doffs;
    if (denom > 0 && Number.isFinite(denom)) count++;
  }
  const comment = calib
    ? `comment metres, left camera frame (x right, y down, z forward): f ${calib.focalPx} px, baseline ${calib.baselineM} m, doffs ${calib.doffs} px, principal point (${cx}, ${cy})`
    : `comment disparity-scaled, not metric (no calibration): Z = ${width} / d, X = (u - ${cx}) / d, Y = (v - ${cy}) / d, in units of the unknown baseline`;
  const header = new TextEncoder().encode(
    [
      'ply',
      'format binary_little_endian 1.0',
      'comment made by reciprocal-depth',
      comment,
      `element vertex ${count}`,
      'property float x',
      'property float y',
      'property float z',
      'property uchar red',
      'property uchar green',
      'property uchar blue',
      'end_header',
      '',
    ].join('\n'),
  );
  const bytes = new Uint8Array(header.length + count * 15);
  bytes.set(header);
  const view = new DataView(bytes.buffer, header.length);
  const byte = (v: number) => Math.min(255, Math.max(0, Math.round(v * 255))) || 0; // NaN -> 0
  let at = 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const i = v * width + u;
      const denom = dispPx[i] + doffs;
      if (!(denom > 0) || !Number.isFinite(denom)) continue;
      const z = fb / denom;
      view.setFloat32(at, ((u - cx) * z) / f, true);
      view.setFloat32(at + 4, ((v - cy) * z) / f, true);
      view.setFloat32(at + 8, z, true);
      view.setUint8(at + 12, byte(leftRgb[i * 3]));
      view.setUint8(at + 13, byte(leftRgb[i * 3 + 1]));
      view.setUint8(at + 14, byte(leftRgb[i * 3 + 2]));
      at += 15;
    }
  }
  return { bytes, count, metric: calib !== undefined };
}

/** One CSV field: quoted when it holds a comma, quote or line break (RFC 4180); NaN and undefined are empty. */
function csvField(v: string | number | undefined): string {
  if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text, CRLF line ends (RFC 4180). */
export function toCsv(rows: readonly (readonly (string | number | undefined)[])[]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export interface MetricsCsvRow {
  /** Which group of rows (e.g. "before" / "after" Adapt); empty for a plain table. */
  when?: string;
  map: string;
  all: DispStats;
  nonOcc?: DispStats;
}

/**
 * The Metrics table as CSV: the table's columns at full precision (the page rounds them), plus
 * how many pixels each was scored on. Non-occluded columns appear when any row has them.
 */
export function metricsCsv(rows: readonly MetricsCsvRow[]): string {
  const stats = ['EPE (px)', 'D1 (%)', 'bad-1 (%)', 'bad-3 (%)', 'pixels'];
  const withMask = rows.some((r) => r.nonOcc);
  const head = ['when', 'map', ...stats, ...(withMask ? stats.map((s) => `${s} non-occ.`) : [])];
  const cells = (s: DispStats | undefined) => (s ? [s.epe, s.d1, s.bad1, s.bad3, s.count] : [undefined, undefined, undefined, undefined, undefined]);
  return toCsv([head, ...rows.map((r) => [r.when ?? '', r.map, ...cells(r.all), ...(withMask ? cells(r.nonOcc) : [])])]);
}

/**
 * A file name from a pair name and what the file holds: `teddy` + `stereo_disp.png` ->
 * `teddy_stereo_disp.png`. Characters other than letters, digits, dot, dash and underscore become
 * `_` (pair names can hold folders and spaces), so every browser saves it under that name.
 */
export function exportFileName(pairName: string, suffix: string): string {
  const base = pairName.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[_.]+|_+$/g, '') || 'pair';
  return `${base}_${suffix}`;
}
