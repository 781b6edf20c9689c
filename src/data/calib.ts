// A pair's camera calibration, as far as depth needs it: depth (metres) = focalPx * baselineM / (d + doffs),
// with d the left-view disparity in pixels. Read from a Middlebury calib.txt or entered by the user.
import { DataError } from './errors';

export interface StereoCalib {
  /** Focal length in pixels, of the images as loaded (scaled with any downscale). */
  focalPx: number;
  /** Distance between the two cameras' centres, in metres. */
  baselineM: number;
  /** x-difference of the principal points (Middlebury calib.txt doffs = cx1 - cx0), in pixels; 0 when unknown. */
  doffs: number;
  /** Where the numbers came from, for the UI ("calib.txt", "entered"). */
  source: string;
}

// ---- Middlebury calib.txt ---------------------------------------------------------------------

/** What a Middlebury calib.txt says (2014 / 2021 releases), at the size the file states. */
export interface MiddleburyCalib {
  /** cam0 = [f 0 cx; 0 f cy; 0 0 1], row-major; cam1 likewise when given. */
  cam0: number[];
  cam1?: number[];
  /** cx1 - cx0 in pixels: the doffs line, else from cam1, else 0. */
  doffs: number;
  baselineMm: number;
  /** Image size the numbers are for, when the file says it. */
  width?: number;
  height?: number;
  /** Upper bound of the disparities (pixels) at that size, when given. */
  ndisp?: number;
}

const HINT_CALIB = 'Give the calib.txt of this scene (lines such as cam0=[f 0 cx; 0 f cy; 0 0 1], doffs=, baseline= in mm), or remove it';

function matrix(text: string, file: string, key: string): number[] {
  const m = /^\[(.*)\]$/.exec(text.trim());
  const rows = m ? m[1].split(';').map((r) => r.trim().split(/[\s,]+/).filter(Boolean).map(Number)) : [];
  if (rows.length !== 3 || rows.some((r) => r.length !== 3 || r.some((v) => !Number.isFinite(v)))) {
    throw new DataError(file, `${key}=${text.trim()} is not a 3x3 matrix [f 0 cx; 0 f cy; 0 0 1]`, HINT_CALIB);
  }
  const flat = rows.flat();
  if (!(flat[0] > 0 && flat[4] > 0)) throw new DataError(file, `${key}: the focal length (${flat[0]}) must be a positive number of pixels`, HINT_CALIB);
  return flat;
}

function positive(text: string, file: string, key: string, integer: boolean): number {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new DataError(file, `${key}=${text.trim()} is not a positive ${integer ? 'whole number' : 'number'}`, HINT_CALIB);
  }
  return v;
}

/**
 * Parses a Middlebury calib.txt (`key=value` lines; keys other than cam0, cam1, doffs, baseline,
 * width, height, ndisp are ignored, as are blank lines). cam0 and baseline are required: depth needs
 * the focal length and the baseline. Throws DataError naming the file and the line that is wrong.
 */
export function parseMiddleburyCalib(text: string, file: string): MiddleburyCalib {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new DataError(file, `"${line.trim().slice(0, 40)}" is not a key=value line`, HINT_CALIB);
    values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1));
  }
  const need = (key: string) => {
    const v = values.get(key);
    if (v === undefined) throw new DataError(file, `no ${key}= line`, HINT_CALIB);
    return v;
  };
  const cam0 = matrix(need('cam0'), file, 'cam0');
  const cam1 = values.has('cam1') ? matrix(values.get('cam1')!, file, 'cam1') : undefined;
  const baselineMm = positive(need('baseline'), file, 'baseline', false);
  let doffs = cam1 ? cam1[2] - cam0[2] : 0;
  if (values.has('doffs')) {
    doffs = Number(values.get('doffs')!.trim());
    if (values.get('doffs')!.trim() === '' || !Number.isFinite(doffs)) throw new DataError(file, `doffs=${values.get('doffs')!.trim()} is not a number`, HINT_CALIB);
  }
  const opt = (key: string) => (values.has(key) ? positive(values.get(key)!, file, key, true) : undefined);
  const [width, height, ndisp] = [opt('width'), opt('height'), opt('ndisp')];
  return { cam0, ...(cam1 ? { cam1 } : {}), doffs, baselineMm, ...(width ? { width } : {}), ...(height ? { height } : {}), ...(ndisp ? { ndisp } : {}) };
}

/**
 * The calibration of images `width` x `height` from a calib.txt. Middlebury publishes each scene at
 * full, half and quarter size, each with its own calib.txt; a file whose stated size is the images'
 * size times one factor (within a pixel, as the releases round the sizes down) is scaled to them:
 * focal length, doffs and ndisp scale with the image, the baseline does not. Any other stated size
 * is for other images: DataError. `ratio` is images / calib.txt (1 when the sizes agree or are not stated).
 */
export function calibForImages(c: MiddleburyCalib, file: string, width: number, height: number): { calib: StereoCalib; ndisp?: number; ratio: number } {
  let ratio = 1;
  if (c.width !== undefined && c.height !== undefined && (c.width !== width || c.height !== height)) {
    ratio = width / c.width;
    if (Math.abs(c.height * ratio - height) > 1 || Math.abs(c.width * (height / c.height) - width) > 1) {
      throw new DataError(file, `it is for ${c.width}x${c.height} images, but the pair is ${width}x${height} (not the same shape scaled)`, 'Give the calib.txt that came with these images');
    }
  }
  const calib: StereoCalib = { focalPx: c.cam0[0] * ratio, baselineM: c.baselineMm / 1000, doffs: c.doffs * ratio, source: file };
  return { calib, ...(c.ndisp !== undefined ? { ndisp: Math.ceil(c.ndisp * ratio) } : {}), ratio };
}

/** The calibration of the images downscaled by `factor` (focal length and doffs shrink with the pixels). */
export function downscaleCalib(c: StereoCalib, factor: number): StereoCalib {
  return { ...c, focalPx: c.focalPx / factor, doffs: c.doffs / factor };
}
