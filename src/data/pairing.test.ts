import { describe, expect, it } from 'vitest';
import { parsePath } from './fileRoles';
import { pairByHand, planPairs, separateCopies } from './pairing';

const pick = (plan: ReturnType<typeof planPairs>) =>
  plan.pairs.map((p) => ({ name: p.name, left: p.left, right: p.right, gt: p.gt, nonOcc: p.nonOcc, scheme: p.scheme }));

describe('planPairs', () => {
  it('left / right names with GT and mask in a folder (this repository\'s shared data)', () => {
    const plan = planPairs(['teddy/left.png', 'teddy/right.png', 'teddy/disp_left.png', 'teddy/mask_nonocc.png', 'teddy/mask_occ_and_discont.png']);
    expect(pick(plan)).toEqual([
      { name: 'teddy', left: 'teddy/left.png', right: 'teddy/right.png', gt: 'teddy/disp_left.png', nonOcc: 'teddy/mask_nonocc.png', scheme: 'left/right' },
    ]);
    expect(plan.unused).toEqual(['teddy/mask_occ_and_discont.png']);
    expect(plan.lone).toEqual([]);
  });

  it('bare file names with no folder give a pair with an empty name', () => {
    const plan = planPairs(['left.png', 'right.png', 'disp_left.pgm']);
    expect(pick(plan)).toEqual([{ name: '', left: 'left.png', right: 'right.png', gt: 'disp_left.pgm', nonOcc: undefined, scheme: 'left/right' }]);
  });

  it('several pairs in one folder by prefix, with left/right anywhere in the name', () => {
    const plan = planPairs(['s/a_left.jpg', 's/a_right.jpg', 's/left-b.png', 's/right-b.png', 's/a_disp.png', 's/b_disp.png']);
    expect(pick(plan)).toEqual([
      { name: 'a', left: 's/a_left.jpg', right: 's/a_right.jpg', gt: 's/a_disp.png', nonOcc: undefined, scheme: 'left/right' },
      { name: 'b', left: 's/left-b.png', right: 's/right-b.png', gt: 's/b_disp.png', nonOcc: undefined, scheme: 'left/right' },
    ]);
  });

  it('_L / _R tokens, any case', () => {
    const plan = planPairs(['IMG_0042_L.JPG', 'IMG_0042_R.JPG', 'cat-l.png', 'cat-r.png']);
    expect(pick(plan).map((p) => [p.name, p.left, p.right, p.scheme])).toEqual([
      ['cat', 'cat-l.png', 'cat-r.png', '_L/_R'],
      ['IMG_0042', 'IMG_0042_L.JPG', 'IMG_0042_R.JPG', '_L/_R'],
    ]);
  });

  it('Middlebury 2014 / ETH3D im0 / im1 with disp0GT.pfm and mask0nocc; right-view GT and im1E are not used', () => {
    const files = ['Adirondack/im0.png', 'Adirondack/im1.png', 'Adirondack/im1E.png', 'Adirondack/disp0GT.pfm', 'Adirondack/disp1GT.pfm', 'Adirondack/mask0nocc.png', 'Adirondack/mask1nocc.png', 'Adirondack/calib.txt'];
    const plan = planPairs(files);
    expect(pick(plan)).toEqual([
      { name: 'Adirondack', left: 'Adirondack/im0.png', right: 'Adirondack/im1.png', gt: 'Adirondack/disp0GT.pfm', nonOcc: 'Adirondack/mask0nocc.png', scheme: 'imN' },
    ]);
    expect(plan.unused.sort()).toEqual(['Adirondack/disp1GT.pfm', 'Adirondack/im1E.png', 'Adirondack/mask1nocc.png']);
    expect(plan.pairs[0].calib).toBe('Adirondack/calib.txt');
    expect(plan.skipped).toEqual([]);
    expect(plan.notImages).toEqual([]);
  });

  it('Middlebury 2003 im2 / im6 with disp2 (left) and disp6 (right), occl as the mask', () => {
    const plan = planPairs(['cones/im2.ppm', 'cones/im6.ppm', 'cones/disp2.pgm', 'cones/disp6.pgm', 'cones/occl.png']);
    expect(pick(plan)).toEqual([{ name: 'cones', left: 'cones/im2.ppm', right: 'cones/im6.ppm', gt: 'cones/disp2.pgm', nonOcc: 'cones/occl.png', scheme: 'imN' }]);
    expect(plan.unused).toEqual(['cones/disp6.pgm']);
  });

  it('two other numbered views: the lower number is the left one (tsukuba im3 / im4 with disp3)', () => {
    const plan = planPairs(['tsukuba/im4.png', 'tsukuba/im3.png', 'tsukuba/disp3.pgm']);
    expect(pick(plan)).toEqual([{ name: 'tsukuba', left: 'tsukuba/im3.png', right: 'tsukuba/im4.png', gt: 'tsukuba/disp3.pgm', nonOcc: undefined, scheme: 'imN' }]);
  });

  it('many numbered views with no known pair: all lone', () => {
    const plan = planPairs(['v/im3.png', 'v/im4.png', 'v/im5.png']);
    expect(plan.pairs).toEqual([]);
    expect(plan.lone.map((l) => l.path)).toEqual(['v/im3.png', 'v/im4.png', 'v/im5.png']);
  });

  it('Middlebury 2005 view1 / view5', () => {
    const plan = planPairs(['Art/view1.png', 'Art/view5.png', 'Art/disp1.png', 'Art/disp5.png']);
    expect(pick(plan)).toEqual([{ name: 'Art', left: 'Art/view1.png', right: 'Art/view5.png', gt: 'Art/disp1.png', nonOcc: undefined, scheme: 'viewN' }]);
    expect(plan.unused).toEqual(['Art/disp5.png']);
  });

  it('KITTI 2015 image_2 / image_3 folders with equal names; disp_occ_0 preferred over disp_noc_0; frame _11 has no GT', () => {
    const root = 'data_scene_flow/training';
    const plan = planPairs([
      `${root}/image_2/000000_10.png`,
      `${root}/image_3/000000_10.png`,
      `${root}/image_2/000000_11.png`,
      `${root}/image_3/000000_11.png`,
      `${root}/disp_noc_0/000000_10.png`,
      `${root}/disp_occ_0/000000_10.png`,
      `${root}/disp_occ_1/000000_10.png`,
    ]);
    expect(pick(plan)).toEqual([
      { name: '000000_10', left: `${root}/image_2/000000_10.png`, right: `${root}/image_3/000000_10.png`, gt: `${root}/disp_occ_0/000000_10.png`, nonOcc: undefined, scheme: 'folders' },
      { name: '000000_11', left: `${root}/image_2/000000_11.png`, right: `${root}/image_3/000000_11.png`, gt: undefined, nonOcc: undefined, scheme: 'folders' },
    ]);
    expect(plan.unused.sort()).toEqual([`${root}/disp_noc_0/000000_10.png`, `${root}/disp_occ_1/000000_10.png`]);
  });

  it('KITTI 2012 colored_0 / colored_1 with disp_occ, and left / right folders', () => {
    const plan = planPairs(['training/colored_0/000003_10.png', 'training/colored_1/000003_10.png', 'training/disp_occ/000003_10.png', 'sf/left/0006.png', 'sf/right/0006.png']);
    expect(pick(plan).map((p) => [p.name, p.left, p.right, p.gt])).toEqual([
      ['0006', 'sf/left/0006.png', 'sf/right/0006.png', undefined],
      ['000003_10', 'training/colored_0/000003_10.png', 'training/colored_1/000003_10.png', 'training/disp_occ/000003_10.png'],
    ]);
  });

  it('lone images: a view with no partner keeps its side; a name with no view token has none', () => {
    const plan = planPairs(['a/left.png', 'b/right.png', 'photo.jpg', 'x_L.png', 'x_L.jpg', 'x_R.png']);
    expect(plan.pairs.map((p) => [p.left, p.right])).toEqual([['x_L.png', 'x_R.png']]);
    expect(plan.lone).toEqual([
      { path: 'a/left.png', side: 'left' },
      { path: 'b/right.png', side: 'right' },
      { path: 'photo.jpg' },
      { path: 'x_L.jpg', side: 'left' },
    ]);
  });

  it('GT with nothing to attach to, and GT in a folder with two pairs and no shared name, is unused', () => {
    const plan = planPairs(['q/disp.png', 'r/a_L.png', 'r/a_R.png', 'r/b_L.png', 'r/b_R.png', 'r/disp_left.png']);
    expect(plan.pairs.every((p) => p.gt === undefined)).toBe(true);
    expect(plan.unused.sort()).toEqual(['q/disp.png', 'r/disp_left.png']);
  });

  it('non-images and clutter', () => {
    const plan = planPairs(['notes.txt', 'data.zip', '__MACOSX/._left.png', 'x/.DS_Store', 'README.md', 'left.png', 'right.png']);
    expect(plan.notImages).toEqual(['notes.txt', 'data.zip']);
    expect(plan.skipped).toEqual(['__MACOSX/._left.png', 'x/.DS_Store', 'README.md']);
    expect(plan.pairs).toHaveLength(1);
  });

  it('normalises Windows separators and leading ./', () => {
    expect(parsePath('.\\scene\\left.PNG')).toMatchObject({ path: 'scene/left.PNG', dir: 'scene', folder: 'scene', stem: 'left', ext: 'png' });
    const plan = planPairs(['.\\scene\\left.png', 'scene/right.png']);
    expect(plan.pairs.map((p) => p.name)).toEqual(['scene']);
  });

  it('a file named like a word containing disp is not GT', () => {
    const plan = planPairs(['display_L.png', 'display_R.png']);
    expect(plan.pairs.map((p) => [p.name, p.gt])).toEqual([['display', undefined]]);
  });
});

describe('pairs of several folders whose files share names', () => {
  it('two pairs that would share a name get the folders above it, as many as it takes', () => {
    const plan = planPairs(['x/scene/im0.png', 'x/scene/im1.png', 'y/scene/im0.png', 'y/scene/im1.png', 'z/scene_L.png', 'z/scene_R.png', 'solo/im0.png', 'solo/im1.png']);
    expect(plan.pairs.map((p) => p.name)).toEqual(['solo', 'x/scene', 'y/scene', 'z/scene']);
    const deep = planPairs(['d/p/s/left.png', 'd/p/s/right.png', 'e/p/s/left.png', 'e/p/s/right.png']);
    expect(deep.pairs.map((p) => p.name)).toEqual(['d/p/s', 'e/p/s']);
    const kitti = planPairs(['training/image_2/000000_10.png', 'training/image_3/000000_10.png', 'testing/image_2/000000_10.png', 'testing/image_3/000000_10.png']);
    expect(kitti.pairs.map((p) => p.name)).toEqual(['testing/000000_10', 'training/000000_10']);
  });

  it('calib.txt goes with every pair of its folder; one with no pair there is reported unused', () => {
    const plan = planPairs(['m/im0.png', 'm/im1.png', 'm/calib.txt', 'n/calib.txt', 'kitti/calib_cam_to_cam.txt']);
    expect(plan.pairs.map((p) => [p.name, p.calib])).toEqual([['m', 'm/calib.txt']]);
    expect(plan.unused).toEqual(['n/calib.txt']);
    expect(plan.skipped).toEqual(['kitti/calib_cam_to_cam.txt']);
  });

  it('separateCopies: the n-th file of each repeated name goes into group n, so each scene is kept and paired in the order given', () => {
    const given = ['left.png', 'right.png', 'disp_left.pgm', 'left.png', 'right.png'];
    const sep = separateCopies(given);
    expect(sep.repeated).toEqual([
      { path: 'left.png', count: 2 },
      { path: 'right.png', count: 2 },
    ]);
    expect(sep.paths).toEqual(['group 1/left.png', 'group 1/right.png', 'group 1/disp_left.pgm', 'group 2/left.png', 'group 2/right.png']);
    expect(new Set(sep.paths).size).toBe(given.length);
    const plan = planPairs(sep.paths);
    expect(pick(plan).map((p) => [p.name, p.left, p.right, p.gt])).toEqual([
      ['group 1', 'group 1/left.png', 'group 1/right.png', 'group 1/disp_left.pgm'],
      ['group 2', 'group 2/left.png', 'group 2/right.png', undefined],
    ]);
    // nothing repeated: the paths as they are
    expect(separateCopies(['a/left.png', 'b/left.png'])).toEqual({ paths: ['a/left.png', 'b/left.png'], repeated: [] });
  });
});

describe('pairByHand', () => {
  it('names the pair from the left image', () => {
    expect(pairByHand('shots/a_left.png', 'shots/b.png')).toEqual({ name: 'a', dir: 'shots', left: 'shots/a_left.png', right: 'shots/b.png', scheme: 'by hand' });
    expect(pairByHand('shots/IMG_1.jpg', 'shots/IMG_2.jpg').name).toBe('IMG_1');
  });
});
