import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warpH } from '../core/warp';
import { samplesDir, sharedMissing, sharedStereoDir } from '../testing/shared';
import { SHARED_STEREO_SCENES } from './datasets';
import { decodeMaskRaw } from './gt';
import type { RgbImage } from './image';
import { listSceneDirs, loadSceneDir, sharedStereoRoot } from './node';
import type { StereoScene } from './scene';
import { encodePfm } from './pfm';
import { grayPng, solidRgbPng } from '../testing/images';

// The Middlebury scenes of the shared set are also bundled with the app (public/samples, the same
// bytes), so they are read from there and checked on any clone. The KITTI frames are not bundled
// (non-commercial licence): their checks need the shared folder and skip, saying so, without it.
const SAMPLE_NAMES: string[] = JSON.parse(readFileSync(join(samplesDir, 'index.json'), 'utf8')).scenes.map((s: { name: string }) => s.name);
const inSamples = (name: string) => SAMPLE_NAMES.includes(name);
const sceneDir = (name: string) => join(inSamples(name) ? samplesDir : sharedStereoDir, name);
/** Whether the scene `name` cannot be read here (only the shared folder has it, and it is missing). */
const unavailable = (name: string) => !inSamples(name) && sharedMissing(`data/stereo/${name}`, `the ${name} checks`);

const scenes = new Map<string, StereoScene>();

beforeAll(async () => {
  const here = SHARED_STEREO_SCENES.filter((s) => !unavailable(s.name));
  const loaded = await Promise.all(here.map((s) => loadSceneDir(sceneDir(s.name))));
  for (const scene of loaded) scenes.set(scene.name, scene);
});

function gray255(img: RgbImage): Float32Array {
  const out = new Float32Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) {
    out[i] = 255 * (0.299 * img.data[3 * i] + 0.587 * img.data[3 * i + 1] + 0.114 * img.data[3 * i + 2]);
  }
  return out;
}

describe('shared stereo scenes', () => {
  it('public/samples holds the four Middlebury scenes of the shared set', async () => {
    const dirs = await listSceneDirs(samplesDir);
    expect(dirs.map((d) => d.split(/[/\\]/).pop()).sort()).toEqual(['cones', 'teddy', 'tsukuba', 'venus']);
    expect([...SAMPLE_NAMES].sort()).toEqual(['cones', 'teddy', 'tsukuba', 'venus']);
  });

  it.skipIf(sharedMissing('data/stereo', 'listing the six shared scene folders'))('lists the six scene folders', async () => {
    const dirs = await listSceneDirs(sharedStereoRoot());
    expect(dirs.map((d) => d.split(/[/\\]/).pop()).sort()).toEqual(SHARED_STEREO_SCENES.map((s) => s.name).sort());
  });

  for (const info of SHARED_STEREO_SCENES) it.skipIf(unavailable(info.name))(`${info.name}: sizes and GT range / density match SOURCES.md`, () => {
    const scene = scenes.get(info.name);
    if (!scene?.gtDisp) throw new Error(`${info.name} has no GT`);
    expect([scene.width, scene.height]).toEqual([info.width, info.height]);
    expect([scene.rightImg.width, scene.rightImg.height]).toEqual([info.width, info.height]);
    expect(scene.leftImg.data.length).toBe(info.width * info.height * 3);
    const d = scene.gtDisp.data;
    let min = Infinity;
    let max = -Infinity;
    let valid = 0;
    for (const v of d) {
      if (v > 0) {
        valid++;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    expect(min).toBeGreaterThan(info.dispMin - 0.01);
    expect(min).toBeLessThan(info.dispMin + 0.01);
    expect(max).toBeGreaterThan(info.dispMax - 0.01);
    expect(max).toBeLessThan(info.dispMax + 0.01);
    expect(Math.abs(valid / d.length - info.validFraction)).toBeLessThan(0.0006);
    expect(scene.nonOccMask !== undefined).toBe(info.hasMasks);
  });

  it.each(['teddy', 'cones'])('%s: non-occlusion mask is plausible and never marks a pixel without GT', (name) => {
    const scene = scenes.get(name);
    if (!scene?.nonOccMask || !scene.gtDisp) throw new Error(`${name} lacks mask or GT`);
    const mask = scene.nonOccMask;
    let on = 0;
    let onWithoutGt = 0;
    for (let i = 0; i < mask.length; i++) {
      on += mask[i];
      if (mask[i] === 1 && scene.gtDisp.data[i] === 0) onWithoutGt++;
    }
    expect(on / mask.length).toBeGreaterThan(0.8);
    expect(on / mask.length).toBeLessThan(0.97);
    expect(onWithoutGt).toBe(0);
  });

  // mask_occ_and_discont.png is in the shared folder only (the app does not use it).
  for (const name of ['teddy', 'cones']) it.skipIf(sharedMissing(`data/stereo/${name}/mask_occ_and_discont.png`, `the ${name} occ_and_discont check`))(`${name}: non-occlusion mask agrees with mask_occ_and_discont.png`, async () => {
    const mask = scenes.get(name)?.nonOccMask;
    if (!mask) throw new Error(`${name} lacks its mask`);
    // occ_and_discont: 0 occluded / unknown, 1 non-occluded, 2 discontinuity (also non-occluded).
    const file = join(sharedStereoDir, name, 'mask_occ_and_discont.png');
    const disc = decodeMaskRaw(new Uint8Array(await readFile(file)), file);
    let disagree = 0;
    for (let i = 0; i < mask.length; i++) if ((disc.data[i] > 0 ? 1 : 0) !== mask[i]) disagree++;
    expect(disagree / mask.length).toBeLessThan(0.01);
  });
});

describe('disparity convention: left (x, y) matches right (x - d, y)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  /** Plain-JS reference: out(x, y) = img(x - d, y), linear along x, clamped to the border. */
  function jsWarpLeftFromRight(img: Float32Array, disp: Float32Array, W: number, H: number, k: number): Float32Array {
    const out = new Float32Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const xs = Math.min(W - 1, Math.max(0, x - k * disp[i]));
        const x0 = Math.min(W - 2, Math.floor(xs));
        const w1 = xs - x0;
        out[i] = (1 - w1) * img[y * W + x0] + w1 * img[y * W + x0 + 1];
      }
    }
    return out;
  }

  for (const name of SHARED_STEREO_SCENES.map((s) => s.name)) it.skipIf(unavailable(name))(`${name}: GT warp explains the right image`, () => {
    const scene = scenes.get(name);
    const gt = scene?.gtDisp?.data;
    if (!scene || !gt) throw new Error(`${name} not loaded`);
    const { width: W, height: H } = scene;
    const left = gray255(scene.leftImg);
    const right = gray255(scene.rightImg);

    // The project's warp: right image seen from the left view is warpH(rightImg, dL, -1).
    const before = tf.memory().numTensors;
    const rightT = tf.tensor4d(right, [1, H, W, 1]);
    const dispT = tf.tensor4d(gt, [1, H, W, 1]);
    const warpedT = warpH(rightT, dispT, -1);
    const warped = warpedT.dataSync() as Float32Array;
    tf.dispose([rightT, dispT, warpedT]);
    expect(tf.memory().numTensors).toBe(before);

    // Valid GT and in view for every factor tried below (2x is the binding one).
    const use = new Uint8Array(W * H);
    for (let i = 0; i < use.length; i++) use[i] = gt[i] > 0 && (i % W) - 2 * gt[i] >= 0 ? 1 : 0;
    const meanErr = (other: ArrayLike<number>) => {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < use.length; i++) {
        if (use[i]) {
          sum += Math.abs(left[i] - other[i]);
          n++;
        }
      }
      return sum / n;
    };

    const atScale = meanErr(warped);
    const unwarped = meanErr(right);
    expect(atScale).toBeLessThan(10);
    expect(atScale).toBeLessThan(0.5 * unwarped);

    // warpH agrees with an independent plain-JS warp, which then checks half and double the scale.
    const reference = jsWarpLeftFromRight(right, gt, W, H, 1);
    let maxDiff = 0;
    for (let i = 0; i < reference.length; i++) maxDiff = Math.max(maxDiff, Math.abs(reference[i] - warped[i]));
    expect(maxDiff).toBeLessThan(0.01);
    const half = meanErr(jsWarpLeftFromRight(right, gt, W, H, 0.5));
    const double = meanErr(jsWarpLeftFromRight(right, gt, W, H, 2));
    expect(atScale).toBeLessThan(0.7 * half);
    expect(atScale).toBeLessThan(0.7 * double);
  });
});

describe('node helpers', () => {
  let tmp = '';
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'rd-data-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('sharedStereoRoot follows RD_SHARED when set', () => {
    const saved = process.env.RD_SHARED;
    try {
      process.env.RD_SHARED = '/some/where';
      expect(sharedStereoRoot()).toBe(join('/some/where', 'data/stereo'));
    } finally {
      if (saved === undefined) delete process.env.RD_SHARED;
      else process.env.RD_SHARED = saved;
    }
    // the tests' own idea of the shared folder (src/testing/shared.ts) is the same one
    expect(sharedStereoRoot()).toBe(sharedStereoDir);
  });

  it('a Middlebury 2014 folder (im0, im1, disp0GT.pfm, mask0nocc.png): found, its GT read, its 128 mask pixels occluded', async () => {
    const root = join(tmp, 'mb2014');
    const dir = join(root, 'Adirondack');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'im0.png'), solidRgbPng(3, 2));
    await writeFile(join(dir, 'im1.png'), solidRgbPng(3, 2));
    await writeFile(join(dir, 'im1E.png'), solidRgbPng(3, 2));
    await writeFile(join(dir, 'disp0GT.pfm'), encodePfm({ width: 3, height: 2, channels: 1, data: Float32Array.from([1, 2, 3, 4, 5, 6]) }));
    await writeFile(join(dir, 'mask0nocc.png'), grayPng([255, 128, 0, 255, 255, 128], 3, 2, 8));
    await writeFile(join(dir, 'calib.txt'), 'baseline=193.001\n');
    expect(await listSceneDirs(root)).toEqual([dir]);
    const scene = await loadSceneDir(dir);
    expect(scene.gtDisp?.data.length).toBe(6);
    expect(Array.from(scene.nonOccMask ?? [])).toEqual([1, 0, 0, 1, 1, 0]);
  });

  it('unknown GT scale: gt_scale.txt or opts.gtScale give it; onUnknownGtScale loads the scene without GT and says why', async () => {
    const dir = join(tmp, 'unscaled', 'no_scale');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'left.png'), solidRgbPng(2, 1));
    await writeFile(join(dir, 'right.png'), solidRgbPng(2, 1));
    await writeFile(join(dir, 'disp_left.png'), grayPng([0, 6], 2, 1, 8));
    const said: string[] = [];
    const bare = await loadSceneDir(dir, { onUnknownGtScale: (m) => said.push(m) });
    expect(bare.gtDisp).toBeUndefined();
    expect(bare.leftImg.width).toBe(2);
    expect(said).toEqual(['no_scale/disp_left.png: unknown GT scale, so this scene has no metrics (it still trains). Give --gtScale <s> or write the scale in no_scale/gt_scale.txt (disparity = stored value / scale; 256 for KITTI PNGs)']);
    await writeFile(join(dir, 'gt_scale.txt'), '3\n');
    expect(Array.from((await loadSceneDir(dir)).gtDisp?.data ?? [])).toEqual([0, 2]);
    // the option wins over the file
    expect(Array.from((await loadSceneDir(dir, { gtScale: 2 })).gtDisp?.data ?? [])).toEqual([0, 3]);
    await writeFile(join(dir, 'gt_scale.txt'), 'sixteen');
    await expect(loadSceneDir(dir)).rejects.toThrow('no_scale/gt_scale.txt: holds "sixteen", not a positive number');
  });

  it('loads a scene folder, needs a scale for unknown names, and reports a missing view', async () => {
    const dir = join(tmp, 'my_scene');
    await mkdir(dir);
    await writeFile(join(dir, 'left.png'), solidRgbPng(3, 2));
    await writeFile(join(dir, 'right.png'), solidRgbPng(3, 2));
    await writeFile(join(dir, 'disp_left.png'), grayPng([0, 2, 4, 6, 8, 10], 3, 2, 8));
    await expect(loadSceneDir(dir)).rejects.toThrow('my_scene/disp_left.png: unknown GT scale');
    const scene = await loadSceneDir(dir, { gtScale: 2 });
    expect(Array.from(scene.gtDisp?.data ?? [])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await listSceneDirs(tmp)).toEqual([dir]);

    const lonely = join(tmp, 'lonely');
    await mkdir(lonely);
    await writeFile(join(lonely, 'left.png'), solidRgbPng(3, 2));
    await expect(loadSceneDir(lonely)).rejects.toThrow(/no right image/);
    expect(await listSceneDirs(tmp)).toEqual([dir]);
  });

  // The KITTI frames themselves are in the shared folder only; their format is checked here on a
  // 16-bit GT written by the test: a KITTI-named folder gets scale 256 and keeps 16-bit precision.
  it('loads a KITTI-style 16-bit disparity PNG with scale 256', async () => {
    const dir = join(tmp, 'kitti-set', 'kitti2015_fixture');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'left.png'), solidRgbPng(3, 2));
    await writeFile(join(dir, 'right.png'), solidRgbPng(3, 2));
    await writeFile(join(dir, 'disp_left.png'), grayPng([0, 256, 1183, 12800, 65535, 1], 3, 2, 16));
    const scene = await loadSceneDir(dir);
    expect(Array.from(scene.gtDisp?.data ?? [])).toEqual([0, 1, 1183 / 256, 50, 65535 / 256, 1 / 256]);
  });
});
