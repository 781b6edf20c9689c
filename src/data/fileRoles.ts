/**
 * What one file's path makes it, read from the path alone: a view (with its side, or its number in
 * a numbered family), left-view GT, a non-occlusion mask, or unused. The rules and the datasets they
 * come from are listed in ./pairing.ts's header; planPairs there matches the views into pairs and
 * attaches GT, masks and calib.txt. Every rule is exercised through planPairs (pairing.test.ts).
 */
import type { NamingScheme, Side } from './pairing';

/** Extensions the readers or the browser can decode as an image or a map. */
export const IMAGE_EXTENSIONS: readonly string[] = ['png', 'jpg', 'jpeg', 'pgm', 'ppm', 'pfm', 'webp', 'bmp', 'gif', 'avif'];

const VIEW_FOLDERS: Record<string, Side> = {
  image_2: 'left',
  image_3: 'right',
  image_0: 'left',
  image_1: 'right',
  colored_0: 'left',
  colored_1: 'right',
  left: 'left',
  right: 'right',
};
const GT_FOLDERS: Record<string, 'left' | 'right'> = {
  disp_occ_0: 'left',
  disp_noc_0: 'left',
  disp_occ: 'left',
  disp_noc: 'left',
  disp_occ_1: 'right',
  disp_noc_1: 'right',
};

const SEP = '[_\\-. ]';
/** disp / disparity (/ truedisp) with an optional view (left, right, l, r, N) and an optional gt suffix. */
const GT_NAME = new RegExp(`(^|${SEP})(?:true)?disp(?:arity)?${SEP}?(left|right|l|r|\\d+)?(?:${SEP}?gt)?(?=$|${SEP})`, 'i');
const GT_TOKEN = new RegExp(`(^|${SEP})(?:gt|groundtruth)(?=$|${SEP})`, 'i');
const NONOCC_MASK = /^(?:(.*?)[_\-. ])?(?:mask[_\-]?0?[_\-]?n(?:on)?occ|nonocc|occl)$/i;
const RIGHT_MASK = /^mask[_\-]?1/i;
const OTHER_MASK = /(mask|occ|discont)/i;
const LR_WORD = new RegExp(`(^|${SEP})(left|right)(?=$|${SEP})`, 'i');
const LR_LETTER = new RegExp(`(^|${SEP})(l|r)(?=$|${SEP})`, 'i');
export const NUMBERED = /^(im|view)(\d+)$/i;
/** Middlebury 2014 right views under other exposure (E) or lighting (L). */
const ALT_VIEW = /^im\d+[EL]$/;
export const CLUTTER = /(^|\/)(__MACOSX\/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|\._)|(^|\/)(calib[^/]*\.txt|readme[^/]*|license[^/]*)$/i;
/** A Middlebury calibration file (other calib*.txt, such as KITTI's calib_cam_to_cam.txt, are clutter). */
export const CALIB = /^calib\.txt$/i;

export interface ParsedPath {
  path: string;
  /** Folder path ('' at top level) and its last segment. */
  dir: string;
  folder: string;
  /** Folder above `dir`. */
  parentDir: string;
  stem: string;
  ext: string;
}

/**
 * A path with '/' separators and no leading './' or '/' (a Windows drop or a zip's entry names the
 * same file alike: pairing.test.ts, "normalises Windows separators"), split into its parts.
 */
export function parsePath(raw: string): ParsedPath {
  const path = raw.replace(/\\/g, '/').replace(/^(\.\/|\/)+/, '');
  const slash = path.lastIndexOf('/');
  const dir = slash < 0 ? '' : path.slice(0, slash);
  const file = path.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const stem = dot > 0 ? file.slice(0, dot) : file;
  const ext = dot > 0 ? file.slice(dot + 1).toLowerCase() : '';
  const folder = dir.slice(dir.lastIndexOf('/') + 1);
  const parentDir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  return { path, dir, folder, parentDir, stem, ext };
}

/** `stem` with the matched token removed and separators tidied: the part shared by a pair's names. */
function without(stem: string, match: RegExpExecArray): string {
  const before = stem.slice(0, match.index);
  const after = stem.slice(match.index + match[0].length);
  return `${before}${match[1] ?? ''}${after}`.replace(/^[_\-. ]+|[_\-. ]+$/g, '').replace(/([_\-. ])[_\-. ]+/g, '$1');
}

export type Role =
  | { kind: 'view'; side?: Side; num?: { family: 'im' | 'view'; n: number }; group: string; base: string; scheme: NamingScheme }
  | { kind: 'gt'; side?: Side; num?: number; group: string; base: string; byFolder: boolean; preferred: boolean }
  | { kind: 'mask'; group: string; base: string }
  | { kind: 'unused' };

/** The role of one file (see the file comment); 'unused' files are reported, never paired. */
export function roleOf(p: ParsedPath): Role {
  const folderLc = p.folder.toLowerCase();
  if (folderLc in GT_FOLDERS) {
    if (GT_FOLDERS[folderLc] === 'right') return { kind: 'unused' };
    return { kind: 'gt', side: 'left', group: p.parentDir, base: p.stem, byFolder: true, preferred: folderLc.startsWith('disp_occ') };
  }
  const gt = GT_NAME.exec(p.stem) ?? GT_TOKEN.exec(p.stem);
  if (gt) {
    const view = (gt[2] ?? '').toLowerCase();
    const lr = LR_WORD.exec(p.stem) ?? LR_LETTER.exec(p.stem);
    let base = without(p.stem, gt);
    let side: Side | undefined;
    let num: number | undefined;
    if (view === 'left' || view === 'l') side = 'left';
    else if (view === 'right' || view === 'r') side = 'right';
    else if (/^\d+$/.test(view)) num = Number(view);
    else if (lr) {
      side = lr[2].toLowerCase().startsWith('l') ? 'left' : 'right';
      base = without(base, (LR_WORD.exec(base) ?? LR_LETTER.exec(base))!);
    }
    if (side === 'right') return { kind: 'unused' };
    return { kind: 'gt', side, num, group: p.dir, base, byFolder: false, preferred: false };
  }
  if (p.ext === 'pfm') return { kind: 'unused' }; // a float map, never a photo
  if (ALT_VIEW.test(p.stem)) return { kind: 'unused' };
  const nonOcc = NONOCC_MASK.exec(p.stem);
  if (nonOcc && !RIGHT_MASK.test(p.stem)) return { kind: 'mask', group: p.dir, base: nonOcc[1] ?? '' };
  if (OTHER_MASK.test(p.stem)) return { kind: 'unused' };
  if (folderLc in VIEW_FOLDERS) {
    return { kind: 'view', side: VIEW_FOLDERS[folderLc], group: `${p.parentDir}\u0000folders`, base: p.stem, scheme: 'folders' };
  }
  const numbered = NUMBERED.exec(p.stem);
  if (numbered) {
    const family = numbered[1].toLowerCase() as 'im' | 'view';
    return { kind: 'view', num: { family, n: Number(numbered[2]) }, group: p.dir, base: '', scheme: family === 'im' ? 'imN' : 'viewN' };
  }
  const word = LR_WORD.exec(p.stem);
  if (word) {
    const side: Side = word[2].toLowerCase() === 'left' ? 'left' : 'right';
    return { kind: 'view', side, group: p.dir, base: without(p.stem, word), scheme: 'left/right' };
  }
  const letter = LR_LETTER.exec(p.stem);
  if (letter) {
    const side: Side = letter[2].toLowerCase() === 'l' ? 'left' : 'right';
    return { kind: 'view', side, group: p.dir, base: without(p.stem, letter), scheme: '_L/_R' };
  }
  return { kind: 'view', group: p.dir, base: p.stem, scheme: 'by hand' };
}

/** `stem` without its left / right token (a word, else a single letter): the name a pair made by hand takes. */
export function withoutSide(stem: string): string {
  const word = LR_WORD.exec(stem) ?? LR_LETTER.exec(stem);
  return word ? without(stem, word) : stem;
}
