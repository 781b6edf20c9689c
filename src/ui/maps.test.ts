// The colour-range rules of the disparity panels: one range for all of them (the GT's when there
// is GT, else the union of the maps'), each map's own when asked, and ranges in the scene's px
// even for maps predicted at a smaller size.
import { describe, expect, it } from 'vitest';
import { COLORMAPS, percentileRange } from '../core/colormap';
import { AppBuffers, type SceneData } from '../state/buffers';
import { initialView, type ViewSlice } from '../state/view';
import { mapSource, ownRange, panelsRange, renderMap, sharedRange } from './maps';

/** A 4x2 scene with a left image, optional GT, and optional maps of the given size. */
function setup(opts: { gt?: number[]; stereo?: number[]; single?: number[]; mapWidth?: number }) {
  const width = 4;
  const height = 2;
  const rgb = { width, height, data: new Float32Array(width * height * 3) };
  const scene: SceneData = {
    id: 's',
    name: 's',
    width,
    height,
    leftImg: rgb,
    rightImg: rgb,
    gtDisp: opts.gt ? { width, height, data: Float32Array.from(opts.gt) } : undefined,
    fileWidth: width,
    fileHeight: height,
    factor: 1,
    files: { left: 'l.png', right: 'r.png' },
  };
  const buffers = new AppBuffers();
  buffers.scenes.set(scene.id, scene);
  const mw = opts.mapWidth ?? width;
  if (opts.stereo || opts.single) {
    buffers.setPreview({
      sceneId: scene.id,
      width: mw,
      height: (mw * height) / width,
      stereoDisp: opts.stereo && Float32Array.from(opts.stereo),
      singleDisp: opts.single && Float32Array.from(opts.single),
    });
  }
  return { scene, buffers };
}

const view = (fields: Partial<ViewSlice> = {}): ViewSlice => ({ ...initialView(), ...fields });

describe('sharedRange', () => {
  it('takes the GT range when there is GT, whatever the maps span', () => {
    expect(sharedRange([15, 48], [[2, 90], [10, 20]])).toEqual({ range: [15, 48], source: 'gt' });
  });
  it('without GT, takes the union of the maps ranges', () => {
    expect(sharedRange(undefined, [[12, 40], [5, 30], [20, 44]])).toEqual({ range: [5, 44], source: 'maps' });
  });
  it('without GT or maps, there is no shared range', () => {
    expect(sharedRange(undefined, [])).toBeUndefined();
  });
});

describe('panelsRange', () => {
  const gt = [0, 10, 20, 30, 40, 50, 60, 0]; // 0 = no GT
  const stereo = [1, 2, 3, 4, 5, 6, 7, 8];

  it('is on by default and uses the GT percentiles, leaving out pixels without GT', () => {
    const { scene, buffers } = setup({ gt, stereo });
    expect(initialView().sameRange).toBe(true);
    const r = panelsRange(scene, buffers, view());
    expect(r?.source).toBe('gt');
    expect(r?.range).toEqual(percentileRange([10, 20, 30, 40, 50, 60], 1, 99));
  });

  it('without GT, spans every map shown, in the scene px when the maps are smaller', () => {
    // Half-width maps: their disparities are in half-size px, twice as large in the scene's.
    const { scene, buffers } = setup({ stereo: [1, 2], single: [3, 9], mapWidth: 2 });
    const r = panelsRange(scene, buffers, view());
    const st = percentileRange([1, 2], 1, 99);
    const si = percentileRange([3, 9], 1, 99);
    expect(r).toEqual({ range: [2 * Math.min(st[0], si[0]), 2 * Math.max(st[1], si[1])], source: 'maps' });
  });

  it('is undefined when the option is off, so each panel takes its own', () => {
    const { scene, buffers } = setup({ gt, stereo });
    expect(panelsRange(scene, buffers, view({ sameRange: false }))).toBeUndefined();
  });

  it('the fixed range wins over everything', () => {
    const { scene, buffers } = setup({ gt, stereo });
    expect(panelsRange(scene, buffers, view({ rangeMode: 'fixed', rangeMin: 3, rangeMax: 33, sameRange: false }))).toEqual({ range: [3, 33], source: 'fixed' });
  });
});

describe('renderMap with a shared range', () => {
  /** The LUT entry index of an RGBA pixel in magma (exact: colorize copies LUT entries). */
  const entryOf = (rgba: Uint8ClampedArray, i: number): number => {
    const lut = COLORMAPS.magma;
    for (let k = 0; k < 256; k++) if (lut[3 * k] === rgba[4 * i] && lut[3 * k + 1] === rgba[4 * i + 1] && lut[3 * k + 2] === rgba[4 * i + 2]) return k;
    return -1;
  };

  it('gives equal disparities (in scene px) equal colours in every panel, whatever each map spans', () => {
    // GT 10..60 px; StereoNet predicted at half width, so its 15 there is 30 px in the scene.
    const { scene, buffers } = setup({ gt: [10, 20, 30, 40, 50, 60, 30, 30], stereo: [5, 15], mapWidth: 2 });
    const v = view();
    const shared = panelsRange(scene, buffers, v)!;
    const style = { cmap: v.cmap, range: shared.range, sceneWidth: scene.width };
    const gtOut = renderMap(mapSource('gt', scene, buffers, v.errorOf)!, style);
    const stOut = renderMap(mapSource('stereo', scene, buffers, v.errorOf)!, style);
    expect(stOut.range).toEqual(gtOut.range);
    expect(stOut.range).toEqual(shared.range);
    expect(entryOf(stOut.rgba, 1)).toBe(entryOf(gtOut.rgba, 2)); // both 30 px
    // Each its own: the same 30 px gets different colours (the maps span different ranges).
    const ownSt = renderMap(mapSource('stereo', scene, buffers, v.errorOf)!, { ...style, range: undefined });
    const ownGt = renderMap(mapSource('gt', scene, buffers, v.errorOf)!, { ...style, range: undefined });
    expect(entryOf(ownSt.rgba, 1)).not.toBe(entryOf(ownGt.rgba, 2));
    // The colour bar of a map's own range is in scene px too.
    const src = mapSource('stereo', scene, buffers, v.errorOf)!;
    expect(ownSt.range).toEqual(ownRange(src as Extract<typeof src, { kind: 'disp' }>).map((x) => x * 2));
  });
});
