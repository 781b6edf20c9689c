/**
 * Browser file intake: files, folders and .zip archives -> decoded stereo scenes, with a message for
 * every file that cannot be used. In order: ./screen expands zips and checks magic bytes, ./pairing
 * matches the files into pairs by name, this file decodes each planned pair (sizes from the headers
 * first, then the views, GT, mask and calib.txt), ./downscale shrinks a pair the user chose to.
 * It needs Blob only (Node has it too), so everything but the default image decoder runs in tests.
 */
import { calibForImages, parseMiddleburyCalib, type StereoCalib } from './calib';
import { gtScaleFor } from './datasets';
import { downscaleDisp, downscaleScene } from './downscale';
import { DataError, HINT_REEXPORT } from './errors';
import { decodeDisparity, decodeMaskRaw, maskToBinary } from './gt';
import { decodeImage, decodeImageBrowser, type DispMap, type RgbImage } from './image';
import type { PlannedPair } from './pairing';
import { readImageSize, sniffFormat, type HeaderSize } from './sniff';
import type { StereoScene } from './scene';

/** One input file: its path (folder/name, as picked, dropped or unzipped) and its contents. */
export interface IntakeFile {
  path: string;
  blob: Blob;
}

export interface IntakeNotice {
  level: 'error' | 'warning' | 'info';
  text: string;
}

/** Images above this many pixels are only added after the user chooses to downscale them (or not). */
export const MAX_PIXELS = 4_000_000;
/**
 * Images above this many pixels are refused before decoding: a decode holds the image about five
 * times over (the browser's bitmap, its RGBA copy, float RGB: ~20 bytes a pixel, 1 GB at this
 * limit), and beyond it a tab runs out of memory ("Array buffer allocation failed") rather than
 * saying why. 50 MP takes the largest phone and camera photos; a downscale comes after the decode.
 */
export const MAX_DECODE_PIXELS = 50_000_000;
/** How much of a file is read for its header; a JPEG whose frame header lies further is read whole. */
const HEADER_BYTES = 64 * 1024;

/** A decoded scene ready for the dataset. Images and maps are at `width` x `height`. */
export interface LoadedScene extends StereoScene {
  /** Size of the files as given, and the downscale factor applied to them (1 = none). */
  fileWidth: number;
  fileHeight: number;
  factor: number;
  files: { left: string; right: string; gt?: string; nonOcc?: string; calib?: string };
  /** Camera calibration from the pair's calib.txt, at `width` x `height`. */
  calib?: StereoCalib;
  /** Disparity bound from calib.txt (pixels at `width` x `height`). */
  ndisp?: number;
}

export interface Decoders {
  image: (blob: Blob, name: string) => Promise<RgbImage>;
}

/** An error's message (a thrown non-Error as text). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The bytes of a blob, or of a slice of one (a header). */
export async function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Uint8Array(await blob.arrayBuffer());
}

/** A complete PNG ends with its IEND chunk, a complete JPEG with the EOI marker. */
function hasTrailer(tail: Uint8Array, format: 'png' | 'jpeg'): boolean {
  if (format === 'png') return tail.length >= 8 && String.fromCharCode(...tail.slice(-8, -4)) === 'IEND';
  for (let i = tail.length - 2; i >= 0; i--) if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  return false;
}

/**
 * Decodes a photo with the browser's codecs (decodeImageBrowser). A PNG or JPEG that the browser
 * rejects, or that looks cut short, goes through the JavaScript readers instead, which name the problem
 * ("truncated ...") rather than "cannot decode" (browsers may also draw a truncated file half grey).
 */
export async function decodeImageRobust(blob: Blob, name: string): Promise<RgbImage> {
  try {
    return await decodeRobust(blob, name);
  } catch (err) {
    throw asDecodeError(err, name);
  }
}

/**
 * A decode failure as a message that names the file and says what to do. The readers' own DataErrors
 * already do; anything else (a RangeError when memory runs out, a codec's message) is wrapped.
 */
export function asDecodeError(err: unknown, name: string): DataError {
  if (err instanceof DataError) return err;
  const memory = err instanceof RangeError || /alloc|memory/i.test(messageOf(err));
  return new DataError(
    name,
    `could not be decoded (${messageOf(err)})`,
    memory ? 'The browser ran out of memory for it: downscale the image with an image editor, or close other tabs, and add it again' : HINT_REEXPORT,
  );
}

async function decodeRobust(blob: Blob, name: string): Promise<RgbImage> {
  const format = sniffFormat(await bytesOf(blob.slice(0, 16)));
  if (format === 'png' || format === 'jpeg') {
    const complete = hasTrailer(await bytesOf(blob.slice(Math.max(0, blob.size - 64))), format);
    if (!complete) return decodeImage(await bytesOf(blob), name);
    try {
      return await decodeImageBrowser(blob, name);
    } catch {
      return decodeImage(await bytesOf(blob), name);
    }
  }
  return decodeImageBrowser(blob, name);
}

export const browserDecoders: Decoders = { image: decodeImageRobust };

function sizeProblem(what: string, file: string, w: number, h: number, leftFile: string, lw: number, lh: number): string {
  return `${file}: ${what} is ${w}x${h} but the left image ${leftFile} is ${lw}x${lh}`;
}

/**
 * The size `blob` declares in its header (see readImageSize), read from its first bytes without
 * decoding; a JPEG whose frame header lies beyond them (a large EXIF block) is read whole.
 */
export async function readSize(blob: Blob): Promise<HeaderSize | undefined> {
  const head = await bytesOf(blob.slice(0, HEADER_BYTES));
  const size = readImageSize(head);
  if (size || blob.size <= HEADER_BYTES || sniffFormat(head) !== 'jpeg') return size;
  return readImageSize(await bytesOf(blob));
}

const mp = (pixels: number) => `${(pixels / 1e6).toFixed(1)} megapixels`;

/** The refusal of an image too large to decode: its size, the limit, what to do. */
function tooLargeToDecode(name: string, size: HeaderSize): DataError {
  const side = Math.ceil(Math.sqrt((size.width * size.height) / MAX_PIXELS));
  return new DataError(
    name,
    `${size.width}x${size.height} (${mp(size.width * size.height)}) is over the ${mp(MAX_DECODE_PIXELS)} this page can decode`,
    `Downscale it by ${side} or more with an image editor (to ${Math.floor(size.width / side)}x${Math.floor(size.height / side)}) and add it again`,
  );
}

/** Decodes GT for a scene (at the files' size, then downscaled like the scene). Throws DataError. */
export async function decodeGtFor(scene: LoadedScene, gt: IntakeFile, scale: number | undefined): Promise<DispMap> {
  const wrongSize = (w: number, h: number) =>
    new DataError(gt.path, `GT disparity is ${w}x${h} but the left image ${scene.files.left} is ${scene.fileWidth}x${scene.fileHeight}`, 'Give the GT for this image pair, at the same resolution');
  // The header first: a GT of another size is refused without decoding it (it may be huge).
  const declared = await readSize(gt.blob);
  if (declared && (declared.width !== scene.fileWidth || declared.height !== scene.fileHeight)) throw wrongSize(declared.width, declared.height);
  const disp = decodeDisparity(await bytesOf(gt.blob), gt.path, scale);
  if (disp.width !== scene.fileWidth || disp.height !== scene.fileHeight) throw wrongSize(disp.width, disp.height);
  return scene.factor === 1 ? disp : downscaleDisp(disp, scene.factor);
}

/** The GT scale implied by the names, or undefined when a PNG / PGM needs the user to give one. */
export async function guessGtScale(pair: Pick<PlannedPair, 'dir' | 'name'>, gt: IntakeFile): Promise<number | undefined> {
  if (sniffFormat(await bytesOf(gt.blob.slice(0, 16))) === 'pfm') return 1;
  return gtScaleFor(`${pair.dir}/${pair.name}`, gt.path);
}

export type PairResult =
  | {
      ok: true;
      scene: LoadedScene;
      notices: IntakeNotice[];
      /** The GT file, when it is a PNG / PGM whose scale the names do not tell: ask the user. */
      gtNeedsScale?: IntakeFile;
    }
  | {
      ok: false;
      notices: IntakeNotice[];
      /** Set when the pair is over MAX_PIXELS and no downscale was chosen: ask, then load again with `factor`. */
      ask?: { width: number; height: number };
    };

export interface LoadOptions {
  /** The GT scale when it is known (bundled samples); else it is guessed from the names. */
  gtScale?: number;
  /**
   * The downscale the user chose for a pair over MAX_PIXELS (1 = full size). Without it such a pair
   * is not decoded: the result asks.
   */
  factor?: number;
}

/**
 * Decodes one planned pair. The views' headers are read first: a view over MAX_DECODE_PIXELS is
 * refused and one over MAX_PIXELS is asked about before any pixel is decoded. Bad views fail the
 * pair with a notice; bad GT, masks or calib.txt only cost that file (a warning), and the pair is
 * still added.
 */
export async function loadPair(pair: PlannedPair, byPath: ReadonlyMap<string, Blob>, decoders: Decoders = browserDecoders, options: LoadOptions = {}): Promise<PairResult> {
  const label = pair.name ? `Pair "${pair.name}"` : `Pair ${pair.left} + ${pair.right}`;
  const notices: IntakeNotice[] = [];
  const blob = (path: string): Blob => {
    const b = byPath.get(path);
    if (!b) throw new DataError(path, 'file not found among the files given', 'Add it again');
    return b;
  };
  const fail = (err: unknown): PairResult => ({ ok: false, notices: [{ level: 'error', text: `${label} not added: ${messageOf(err)}` }] });
  let declared: HeaderSize | undefined;
  try {
    for (const path of [pair.left, pair.right]) {
      const size = await readSize(blob(path));
      if (size && size.width * size.height > MAX_DECODE_PIXELS) return fail(tooLargeToDecode(path, size));
      if (size && (!declared || size.width * size.height > declared.width * declared.height)) declared = size;
    }
  } catch (err) {
    return fail(err);
  }
  if (options.factor === undefined && declared && declared.width * declared.height > MAX_PIXELS) {
    return { ok: false, ask: { width: declared.width, height: declared.height }, notices };
  }
  let leftImg: RgbImage;
  let rightImg: RgbImage;
  try {
    leftImg = await decoders.image(blob(pair.left), pair.left).catch((err: unknown) => Promise.reject(asDecodeError(err, pair.left)));
    rightImg = await decoders.image(blob(pair.right), pair.right).catch((err: unknown) => Promise.reject(asDecodeError(err, pair.right)));
  } catch (err) {
    return fail(err);
  }
  const { width, height } = leftImg;
  if (rightImg.width !== width || rightImg.height !== height) {
    const problem = sizeProblem('the right image', pair.right, rightImg.width, rightImg.height, pair.left, width, height);
    return { ok: false, notices: [{ level: 'error', text: `${label} not added: ${problem}. Give a rectified pair of the same size.` }] };
  }
  // A format whose header was not read (AVIF) is checked once decoded.
  if (options.factor === undefined && width * height > MAX_PIXELS) return { ok: false, ask: { width, height }, notices };
  const scene: LoadedScene = {
    name: pair.name,
    width,
    height,
    leftImg,
    rightImg,
    fileWidth: width,
    fileHeight: height,
    factor: 1,
    files: { left: pair.left, right: pair.right },
  };
  let gtNeedsScale: IntakeFile | undefined;
  if (pair.gt) {
    const gt: IntakeFile = { path: pair.gt, blob: blob(pair.gt) };
    const scale = options.gtScale ?? (await guessGtScale(pair, gt));
    const format = sniffFormat(await bytesOf(gt.blob.slice(0, 16)));
    if (scale === undefined && (format === 'png' || format === 'pgm')) {
      gtNeedsScale = gt;
      notices.push({ level: 'info', text: `${label}: the scale of ${pair.gt} is not known from its name; give it below to attach the GT.` });
    } else {
      try {
        scene.gtDisp = await decodeGtFor(scene, gt, scale);
        scene.files.gt = pair.gt;
      } catch (err) {
        notices.push({ level: 'warning', text: `${label} added without GT: ${messageOf(err)}` });
      }
    }
  }
  if (pair.nonOcc) {
    try {
      const raw = decodeMaskRaw(await bytesOf(blob(pair.nonOcc)), pair.nonOcc);
      if (raw.width !== width || raw.height !== height) {
        throw new DataError(pair.nonOcc, `non-occlusion mask is ${raw.width}x${raw.height} but the left image ${pair.left} is ${width}x${height}`, 'Give the mask for this image pair, at the same resolution');
      }
      scene.nonOccMask = maskToBinary(raw);
      scene.files.nonOcc = pair.nonOcc;
    } catch (err) {
      notices.push({ level: 'warning', text: `${label} added without its mask: ${messageOf(err)}` });
    }
  }
  if (pair.calib) {
    try {
      const parsed = parseMiddleburyCalib(await blob(pair.calib).text(), pair.calib);
      const { calib, ndisp, ratio } = calibForImages(parsed, pair.calib, width, height);
      Object.assign(scene, { calib, ...(ndisp !== undefined ? { ndisp } : {}) });
      scene.files.calib = pair.calib;
      if (ratio !== 1) {
        notices.push({ level: 'info', text: `${label}: ${pair.calib} is for ${parsed.width}x${parsed.height} images; its focal length, doffs and ndisp were scaled by ${+ratio.toFixed(4)} to the pair's ${width}x${height}.` });
      }
    } catch (err) {
      notices.push({ level: 'warning', text: `${label} added without calibration: ${messageOf(err)}` });
    }
  }
  const factor = options.factor ?? 1;
  return { ok: true, scene: factor > 1 ? downscaleScene(scene, factor) : scene, notices, gtNeedsScale };
}
