/** Node-only helpers: load scene folders from disk. Never import this from browser code (it uses fs). */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { gtScaleFor } from './datasets';
import { DataError } from './errors';
import { planPairs, type PlannedPair } from './pairing';
import { assembleScene, type FilePart, type StereoScene } from './scene';

const IMAGE_EXTS = ['png', 'jpg', 'jpeg', 'ppm', 'pgm'];
const GT_EXTS = ['pgm', 'png', 'pfm'];
const MASK_EXTS = ['png', 'pgm'];

/** The shared stereo set: $RD_SHARED/data/stereo, else ../shared/data/stereo beside the checkout. */
export function sharedStereoRoot(): string {
  const shared = process.env.RD_SHARED;
  if (shared) return join(shared, 'data/stereo');
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  return resolve(repoRoot, '../shared/data/stereo');
}

/** The file in `files` named `<stem>.<ext>` for the first ext that exists (case-insensitive), if any. */
function pick(files: string[], stem: string, exts: string[]): string | undefined {
  for (const ext of exts) {
    const hit = files.find((f) => f.toLowerCase() === `${stem}.${ext}`);
    if (hit) return hit;
  }
  return undefined;
}

/** Sub-folders of `root` (full paths, sorted) that hold a stereo pair (see findPair). */
export async function listSceneDirs(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const dirs: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    if (findPair(await readdir(join(root, entry.name)))) dirs.push(join(root, entry.name));
  }
  return dirs.sort();
}

/**
 * The pair a scene folder holds: `left.*` and `right.*` (with `disp_left.*`, `mask_nonocc.*`), else the one
 * pair the app's naming rules find among its files (src/data/pairing.ts: Middlebury 2014 / ETH3D im0, im1,
 * disp0GT.pfm, mask0nocc.png; view1 / view5; scene_L / scene_R; ...). Undefined when there is none or several.
 */
export function findPair(files: string[]): Pick<PlannedPair, 'left' | 'right' | 'gt' | 'nonOcc'> | undefined {
  const left = pick(files, 'left', IMAGE_EXTS);
  const right = pick(files, 'right', IMAGE_EXTS);
  if (left && right) return { left, right, gt: pick(files, 'disp_left', GT_EXTS), nonOcc: pick(files, 'mask_nonocc', MASK_EXTS) };
  const pairs = planPairs(files).pairs.filter((p) => p.dir === '');
  return pairs.length === 1 ? pairs[0] : undefined;
}

/**
 * A scene folder's own GT scale: the number in `gt_scale.txt` beside the GT (disparity = stored value / scale),
 * undefined when there is no such file. A file that does not hold one positive number is an error.
 */
async function folderGtScale(dir: string): Promise<number | undefined> {
  const file = join(dir, 'gt_scale.txt');
  if (!existsSync(file)) return undefined;
  const text = (await readFile(file, 'utf8')).trim();
  const v = Number(text);
  if (!/^[0-9.eE+]+$/.test(text) || !(v > 0) || !Number.isFinite(v)) {
    throw new DataError(`${basename(dir)}/gt_scale.txt`, `holds "${text.slice(0, 40)}", not a positive number`, 'Write the GT scale alone, e.g. 256 for KITTI PNGs (disparity = stored value / scale)');
  }
  return v;
}

/** How loadSceneDir treats a PNG / PGM ground truth whose scale it cannot tell. */
export interface LoadSceneOptions {
  /** disparity = stored value / gtScale; wins over gt_scale.txt and the known dataset names. */
  gtScale?: number;
  /**
   * Called instead of throwing when the GT's scale is unknown: the scene is then loaded without its GT (it
   * still trains; only its metrics are off), and the message says so and how to give the scale.
   */
  onUnknownGtScale?: (message: string) => void;
}

/**
 * Loads the pair a scene folder holds (findPair), with its GT and non-occlusion mask when present.
 * The GT scale is opts.gtScale, else the folder's gt_scale.txt, else gtScaleFor(folder name, GT file name)
 * (1 for PFM). Unknown: an error naming the file, or, with opts.onUnknownGtScale, the scene without GT.
 */
export async function loadSceneDir(dir: string, opts: LoadSceneOptions = {}): Promise<StereoScene> {
  const name = basename(dir);
  const files = await readdir(dir);
  const found = findPair(files);
  if (!found) {
    const leftFile = pick(files, 'left', IMAGE_EXTS);
    throw new DataError(dir, leftFile ? 'no right image' : 'no left image', 'Put left.png and right.png in the scene folder (or im0.png and im1.png, as Middlebury names them)');
  }
  const part = async (file: string): Promise<FilePart> => ({
    bytes: new Uint8Array(await readFile(join(dir, file))),
    name: `${name}/${file}`,
  });
  const gtFile = found.gt;
  let scale = gtFile ? opts.gtScale ?? (await folderGtScale(dir)) ?? gtScaleFor(name, gtFile) : undefined;
  let useGt = gtFile !== undefined;
  if (gtFile && scale === undefined && opts.onUnknownGtScale) {
    opts.onUnknownGtScale(`${name}/${gtFile}: unknown GT scale, so this scene has no metrics (it still trains). Give --gtScale <s> or write the scale in ${name}/gt_scale.txt (disparity = stored value / scale; 256 for KITTI PNGs)`);
    useGt = false;
    scale = undefined;
  }
  return assembleScene({
    name,
    left: await part(found.left),
    right: await part(found.right),
    ...(useGt ? { gt: { ...(await part(gtFile!)), scale } } : {}),
    ...(found.nonOcc ? { nonOcc: await part(found.nonOcc) } : {}),
  });
}
