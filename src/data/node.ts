/** Node-only helpers: load scene folders from disk. Never import this from browser code (it uses fs). */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gtScaleFor } from './datasets';
import { DataError } from './errors';
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

/** Sub-folders of `root` (full paths, sorted) that hold a left and a right image. */
export async function listSceneDirs(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const dirs: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(join(root, entry.name));
    if (pick(files, 'left', IMAGE_EXTS) && pick(files, 'right', IMAGE_EXTS)) dirs.push(join(root, entry.name));
  }
  return dirs.sort();
}

/**
 * Loads `<dir>/left.*`, `right.*`, optional `disp_left.(pgm|png|pfm)` and `mask_nonocc.*`.
 * The GT scale is opts.gtScale, else gtScaleFor(folder name, GT file name).
 */
export async function loadSceneDir(dir: string, opts: { gtScale?: number } = {}): Promise<StereoScene> {
  const name = basename(dir);
  const files = await readdir(dir);
  const leftFile = pick(files, 'left', IMAGE_EXTS);
  const rightFile = pick(files, 'right', IMAGE_EXTS);
  if (!leftFile || !rightFile) {
    throw new DataError(dir, `no ${leftFile ? 'right' : 'left'} image`, 'Put left.png and right.png in the scene folder');
  }
  const part = async (file: string): Promise<FilePart> => ({
    bytes: new Uint8Array(await readFile(join(dir, file))),
    name: `${name}/${file}`,
  });
  const gtFile = pick(files, 'disp_left', GT_EXTS);
  const maskFile = pick(files, 'mask_nonocc', MASK_EXTS);
  return assembleScene({
    name,
    left: await part(leftFile),
    right: await part(rightFile),
    ...(gtFile ? { gt: { ...(await part(gtFile)), scale: opts.gtScale ?? gtScaleFor(name, gtFile) } } : {}),
    ...(maskFile ? { nonOcc: await part(maskFile) } : {}),
  });
}
