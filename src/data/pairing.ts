/**
 * Matches dropped or picked files into stereo pairs by common dataset naming, from the paths alone
 * (pure: no file contents, no DOM). Decoding and size checks happen later (src/data/intake.ts).
 *
 * Views, by file name (same folder, same name apart from the view token):
 *   left / right          scene_left.png + scene_right.png, left.png + right.png
 *   _L / _R               scene_L.jpg + scene_R.jpg (any single-letter l / r token)
 *   im0 / im1             Middlebury 2014, ETH3D;  im2 / im6: Middlebury 2001 / 2003
 *   view1 / view5         Middlebury 2005 / 2006;  two other imN (or viewN): the lower N is left
 * Views, by folder (sibling folders holding equal file names):
 *   image_2 / image_3     KITTI 2015 colour;  image_0 / image_1: KITTI gray
 *   colored_0 / colored_1 KITTI 2012 colour;  left / right: Scene Flow and others
 * Left-view ground truth: disp*, *_disp*, *gt* (disp_left, disp0GT.pfm, disp2.png for im2, ...),
 * or a KITTI disp_occ(_0) / disp_noc(_0) folder with the frame's file name (disp_occ preferred).
 * Right-view GT (disp_right, disp1 beside im1, disp6 beside im6, disp_*_1 folders) is not used.
 * Non-occlusion masks: mask_nonocc, mask0nocc, nonocc, occl (Middlebury 2003). Other masks, PFM files that are
 * not GT and Middlebury 2014's alternative right views (im1E, im1L) are not used.
 * Camera calibration: a calib.txt (Middlebury 2014 / 2021) goes with every pair of its folder.
 * Names: the part the view names share, else the folder; pairs that would share a name are told
 * apart by the folders above (x/scene, y/scene). Nothing is merged or dropped for having the name
 * of another file: paths given twice are first told apart by separateCopies.
 * What each path makes a file (the view, GT and mask rules above) is read in ./fileRoles.ts.
 */
import { CALIB, CLUTTER, IMAGE_EXTENSIONS, NUMBERED, parsePath, roleOf, withoutSide, type ParsedPath, type Role } from './fileRoles';

export type NamingScheme = 'left/right' | '_L/_R' | 'imN' | 'viewN' | 'folders' | 'by hand';
export type Side = 'left' | 'right';

export interface PlannedPair {
  /** Scene name: the common part of the names, else the folder name; '' when there is neither. */
  name: string;
  /** Folder the pair was found in ('' at the top level). */
  dir: string;
  left: string;
  right: string;
  /** Left-view GT disparity file. */
  gt?: string;
  /** Non-occlusion mask (1 = seen by both views, with GT). */
  nonOcc?: string;
  /** Middlebury calib.txt of the pair's folder. */
  calib?: string;
  scheme: NamingScheme;
}

export interface LoneImage {
  path: string;
  /** The side its name suggests, when it has a view token but no partner. */
  side?: Side;
}

export interface PairingPlan {
  pairs: PlannedPair[];
  /** Images with no partner: the user can pair them by hand. */
  lone: LoneImage[];
  /** Files whose extension is not an image's (say so to the user). */
  notImages: string[];
  /** GT or masks found but not used: right-view GT, other masks, or nothing to attach them to. */
  unused: string[];
  /** Operating-system and dataset clutter skipped silently (.DS_Store, __MACOSX/, calib.txt, ...). */
  skipped: string[];
}

/** Known left / right numbers of numbered views: Middlebury 2014 (0, 1), 2001 / 2003 (2, 6), 2005 / 2006 (1, 5). */
const NUMBER_PAIRS: Record<'im' | 'view', [number, number][]> = {
  im: [
    [0, 1],
    [2, 6],
  ],
  view: [[1, 5]],
};

interface View {
  p: ParsedPath;
  n?: number;
}

/** Pairs numbered views of one folder and family; returns the pairs and the views left over. */
function pairNumbered(views: View[]): { pairs: [View, View][]; rest: View[] } {
  const byN = new Map<number, View>();
  const rest: View[] = [];
  for (const v of views) {
    if (byN.has(v.n!)) rest.push(v);
    else byN.set(v.n!, v);
  }
  const pairs: [View, View][] = [];
  const family = NUMBERED.exec(views[0].p.stem)![1].toLowerCase() as 'im' | 'view';
  for (const [l, r] of NUMBER_PAIRS[family]) {
    if (byN.has(l) && byN.has(r)) {
      pairs.push([byN.get(l)!, byN.get(r)!]);
      byN.delete(l);
      byN.delete(r);
    }
  }
  const left = [...byN.values()].sort((a, b) => a.n! - b.n!);
  if (left.length === 2 && pairs.length === 0) pairs.push([left[0], left[1]]);
  else rest.push(...left);
  return { pairs, rest };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Groups `paths` into pairs with their GT and masks; see the file comment for the naming rules. */
export function planPairs(paths: readonly string[]): PairingPlan {
  const plan: PairingPlan = { pairs: [], lone: [], notImages: [], unused: [], skipped: [] };
  const groups = new Map<string, { left: View[]; right: View[]; none: View[]; scheme: NamingScheme; dir: string; base: string }>();
  const numbered = new Map<string, View[]>();
  const gts: { p: ParsedPath; role: Extract<Role, { kind: 'gt' }> }[] = [];
  const masks: { p: ParsedPath; role: Extract<Role, { kind: 'mask' }> }[] = [];

  const calibs: ParsedPath[] = [];
  for (const raw of paths) {
    const p = parsePath(raw);
    if (p.path === '' || p.path.endsWith('/')) continue;
    if (CALIB.test(`${p.stem}.${p.ext}`)) {
      calibs.push(p);
      continue;
    }
    if (CLUTTER.test(p.path)) {
      plan.skipped.push(p.path);
      continue;
    }
    if (!IMAGE_EXTENSIONS.includes(p.ext)) {
      plan.notImages.push(p.path);
      continue;
    }
    const role = roleOf(p);
    if (role.kind === 'unused') plan.unused.push(p.path);
    else if (role.kind === 'gt') gts.push({ p, role });
    else if (role.kind === 'mask') masks.push({ p, role });
    else if (role.num) {
      const key = `${role.group}\u0000${role.num.family}`;
      numbered.set(key, [...(numbered.get(key) ?? []), { p, n: role.num.n }]);
    } else {
      const key = `${role.group}\u0000${role.base.toLowerCase()}\u0000${role.scheme}`;
      const dir = role.scheme === 'folders' ? p.parentDir : p.dir;
      const g = groups.get(key) ?? { left: [], right: [], none: [], scheme: role.scheme, dir, base: role.base };
      (role.side === 'left' ? g.left : role.side === 'right' ? g.right : g.none).push({ p });
      groups.set(key, g);
    }
  }

  const pairNums = new Map<PlannedPair, [number, number]>();
  const groupOf = new Map<PlannedPair, string>();
  const baseOf = new Map<PlannedPair, string>();
  const nameFor = (base: string, p: ParsedPath) => base || p.folder;
  for (const [key, views] of numbered) {
    const { pairs, rest } = pairNumbered(views);
    for (const [l, r] of pairs) {
      const pair: PlannedPair = { name: nameFor('', l.p), dir: l.p.dir, left: l.p.path, right: r.p.path, scheme: NUMBERED.exec(l.p.stem)![1].toLowerCase() === 'im' ? 'imN' : 'viewN' };
      plan.pairs.push(pair);
      baseOf.set(pair, '');
      pairNums.set(pair, [l.n!, r.n!]);
      groupOf.set(pair, key.split('\u0000')[0]);
    }
    plan.lone.push(...rest.map((v) => ({ path: v.p.path })));
  }
  for (const g of groups.values()) {
    while (g.left.length > 0 && g.right.length > 0) {
      const l = g.left.shift()!;
      const r = g.right.shift()!;
      const name = g.scheme === 'folders' ? l.p.stem : nameFor(g.base, l.p);
      const pair: PlannedPair = { name, dir: g.dir, left: l.p.path, right: r.p.path, scheme: g.scheme };
      plan.pairs.push(pair);
      baseOf.set(pair, g.base);
      groupOf.set(pair, g.scheme === 'folders' ? `${g.dir}\u0000folders` : g.dir);
    }
    plan.lone.push(...g.left.map((v) => ({ path: v.p.path, side: 'left' as const })));
    plan.lone.push(...g.right.map((v) => ({ path: v.p.path, side: 'right' as const })));
    plan.lone.push(...g.none.map((v) => ({ path: v.p.path })));
  }

  /** The pair a GT or mask file belongs to (same folder: same base, else the folder's only pair). */
  const findPair = (group: string, base: string, num: number | undefined, byFolder: boolean): PlannedPair | 'right' | undefined => {
    const here = plan.pairs.filter((pp) => groupOf.get(pp) === (byFolder ? `${group}\u0000folders` : group));
    if (num !== undefined) {
      const hit = here.find((pp) => pairNums.get(pp)?.[0] === num);
      if (hit) return hit;
      return here.some((pp) => pairNums.get(pp)?.[1] === num) ? 'right' : undefined;
    }
    const same = here.filter((pp) => baseOf.get(pp)?.toLowerCase() === base.toLowerCase());
    if (same.length === 1 || byFolder) return same[0];
    return here.length === 1 ? here[0] : undefined;
  };
  const preferred = new Set<PlannedPair>();
  for (const { p, role } of gts) {
    const pair = findPair(role.group, role.base, role.num, role.byFolder);
    if (pair === undefined || pair === 'right') {
      plan.unused.push(p.path);
    } else if (pair.gt === undefined || (role.preferred && !preferred.has(pair))) {
      if (pair.gt !== undefined) plan.unused.push(pair.gt);
      pair.gt = p.path;
      if (role.preferred) preferred.add(pair);
    } else {
      plan.unused.push(p.path);
    }
  }
  for (const { p, role } of masks) {
    const pair = findPair(role.group, role.base, undefined, false);
    if (pair === undefined || pair === 'right' || pair.nonOcc !== undefined) plan.unused.push(p.path);
    else pair.nonOcc = p.path;
  }

  for (const c of calibs) {
    const here = plan.pairs.filter((pp) => pp.dir === c.dir);
    for (const pp of here) pp.calib = c.path;
    if (here.length === 0) plan.unused.push(c.path);
  }
  distinctNames(plan.pairs);

  plan.pairs.sort((a, b) => collator.compare(a.left, b.left));
  plan.lone.sort((a, b) => collator.compare(a.path, b.path));
  return plan;
}

/** A pair made by hand from two lone images. */
export function pairByHand(left: string, right: string): PlannedPair {
  const l = parsePath(left);
  const r = parsePath(right);
  const base = withoutSide(l.stem);
  return { name: base || l.folder || r.stem, dir: l.dir, left: l.path, right: r.path, scheme: 'by hand' };
}

/** Folder segments of `pair.dir`, innermost first, leaving out one that is already the name. */
function qualifiers(pair: PlannedPair): string[] {
  const segs = pair.dir.split('/').filter(Boolean).reverse();
  return segs[0] === pair.name ? segs.slice(1) : segs;
}

/**
 * Gives pairs that would share a name the folders above it, one more at a time until the names
 * differ ("scene" twice -> "x/scene", "y/scene"), so every pair is told apart in the list and in
 * messages. Pairs of one folder that still share a name keep it (the dataset adds " (2)").
 */
function distinctNames(pairs: PlannedPair[]): void {
  const byName = new Map<string, PlannedPair[]>();
  for (const p of pairs) if (p.name) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  for (const [name, same] of byName) {
    if (same.length < 2) continue;
    const quals = same.map(qualifiers);
    const deepest = Math.max(...quals.map((q) => q.length));
    for (let k = 1; k <= deepest; k++) {
      const names = quals.map((q) => [...q.slice(0, k).reverse(), name].join('/'));
      if (k === deepest || new Set(names).size === names.length) {
        same.forEach((p, i) => (p.name = names[i]));
        break;
      }
    }
  }
}

/** Paths given more than once, told apart: see separateCopies. */
export interface SeparatedCopies {
  /** The paths in the order given, each unique. */
  paths: string[];
  /** Each path given more than once, and how many times. */
  repeated: { path: string; count: number }[];
}

/**
 * Tells apart files given under the same path, which a file picker does when files of several
 * folders share names (it gives names only: `left.png` twice). The rule, the fairest one the names
 * leave: the n-th file of each path goes into group n, so the first left.png pairs with the first
 * right.png (and the first GT), the second with the second, in the order the files were given. The
 * group is a folder put in front of the path: `group 2/left.png`. With no path repeated, the paths
 * are returned as they are.
 */
export function separateCopies(paths: readonly string[]): SeparatedCopies {
  const seen = new Map<string, number>();
  const nth = paths.map((p) => {
    const n = (seen.get(p) ?? 0) + 1;
    seen.set(p, n);
    return n;
  });
  const repeated = [...seen].filter(([, count]) => count > 1).map(([path, count]) => ({ path, count }));
  if (repeated.length === 0) return { paths: [...paths], repeated };
  return { paths: paths.map((p, i) => `${COPY_GROUP} ${nth[i]}/${p}`), repeated };
}

/** The folder name separateCopies gives the n-th group ("group 1", ...). */
export const COPY_GROUP = 'group';
