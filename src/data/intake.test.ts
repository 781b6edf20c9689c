import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { samplesDir } from '../testing/shared';
import { decodeImage, type RgbImage } from './image';
import {
  decodeGtFor,
  decodeImageRobust,
  downscaleDisp,
  downscaleMask,
  downscaleRgb,
  downscaleScene,
  loadPair,
  MAX_PIXELS,
  screenFiles,
  type Decoders,
  type IntakeFile,
} from './intake';
import { planPairs, type PlannedPair } from './pairing';
import { grayPng, solidRgbPng } from './testUtil';

/** Node has no createImageBitmap: decode with the JavaScript readers. */
const nodeDecoders: Decoders = { image: async (blob, name) => decodeImage(new Uint8Array(await blob.arrayBuffer()), name) };

/** A file of a bundled sample scene (public/samples: in every checkout, unlike the shared data folder). */
async function sampleFile(scene: string, file: string, as = `${scene}/${file}`): Promise<IntakeFile> {
  const bytes = await readFile(join(samplesDir, scene, file));
  return { path: as, blob: new Blob([bytes]) };
}

const blobOf = (bytes: Uint8Array | string) => new Blob([bytes as BlobPart]);
const mapOf = (files: IntakeFile[]) => new Map(files.map((f) => [f.path, f.blob]));

describe('screenFiles', () => {
  it('expands a zip under the archive name and keeps the entries', async () => {
    const left = await readFile(join(samplesDir, 'tsukuba/left.png'));
    const zip = zipSync({ 'left.png': new Uint8Array(left), 'sub/': new Uint8Array(0), 'notes.txt': new TextEncoder().encode('hi') });
    const { files, notices } = await screenFiles([{ path: 'tsukuba.zip', blob: blobOf(zip) }]);
    expect(notices).toEqual([]);
    expect(files.map((f) => f.path).sort()).toEqual(['tsukuba/left.png', 'tsukuba/notes.txt']);
    expect((await files.find((f) => f.path.endsWith('.png'))!.blob.arrayBuffer()).byteLength).toBe(left.length);
  });

  it('a broken zip and an image-named file that is not an image give messages; other files pass through', async () => {
    const { files, notices } = await screenFiles([
      { path: 'bad.zip', blob: blobOf('PK\x03\x04 not really') },
      { path: 'fake.png', blob: blobOf('hello, I am text') },
      { path: 'empty.jpg', blob: blobOf('') },
      { path: 'notes.txt', blob: blobOf('hello') },
    ]);
    expect(files.map((f) => f.path)).toEqual(['notes.txt']);
    expect(notices.map((n) => n.text)).toEqual([
      expect.stringMatching(/^bad\.zip: not a readable \.zip archive/),
      'fake.png: not an image (unknown magic bytes). Choose a PNG or JPEG image',
      'empty.jpg: empty file. Choose a PNG or JPEG image',
    ]);
  });
});

describe('loadPair', () => {
  it('tsukuba from bare file names: decodes both views; asks for the GT scale (the names do not tell it)', async () => {
    const files = [await sampleFile('tsukuba', 'left.png', 'left.png'), await sampleFile('tsukuba', 'right.png', 'right.png'), await sampleFile('tsukuba', 'disp_left.pgm', 'disp_left.pgm')];
    const pair = planPairs(files.map((f) => f.path)).pairs[0];
    const r = await loadPair(pair, mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error(r.notices[0].text);
    expect(r.scene).toMatchObject({ width: 384, height: 288, factor: 1 });
    expect(r.scene.gtDisp).toBeUndefined();
    expect(r.gtNeedsScale?.path).toBe('disp_left.pgm');
    expect(r.tooLarge).toBe(false);
    const gt = await decodeGtFor(r.scene, r.gtNeedsScale!, 16);
    expect(gt.width).toBe(384);
    expect(gt.data.reduce((a, b) => Math.max(a, b))).toBe(14);
  });

  it('teddy in its folder: GT scale from the name (4) and the mask', async () => {
    const files = await Promise.all(['left.png', 'right.png', 'disp_left.png', 'mask_nonocc.png'].map((f) => sampleFile('teddy', f)));
    const pair = planPairs(files.map((f) => f.path)).pairs[0];
    const r = await loadPair(pair, mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error(r.notices[0].text);
    expect(r.notices).toEqual([]);
    expect(r.gtNeedsScale).toBeUndefined();
    expect(r.scene.gtDisp!.data.reduce((a, b) => Math.max(a, b))).toBe(52.75);
    expect(r.scene.nonOccMask!.length).toBe(450 * 375);
    expect(r.scene.files).toEqual({ left: 'teddy/left.png', right: 'teddy/right.png', gt: 'teddy/disp_left.png', nonOcc: 'teddy/mask_nonocc.png' });
  });

  it('views of different sizes: the pair is not added, and the message names both sizes', async () => {
    const files = [{ path: 'a_L.png', blob: blobOf(solidRgbPng(8, 4)) }, { path: 'a_R.png', blob: blobOf(solidRgbPng(6, 4)) }];
    const r = await loadPair(planPairs(files.map((f) => f.path)).pairs[0], mapOf(files), nodeDecoders);
    expect(r.ok).toBe(false);
    expect(r.notices[0].text).toBe('Pair "a" not added: a_R.png: the right image is 6x4 but the left image a_L.png is 8x4. Give a rectified pair of the same size.');
  });

  it('a truncated view: the pair is not added, and the message says truncated', async () => {
    const png = solidRgbPng(64, 32);
    const files = [{ path: 'a_L.png', blob: blobOf(png.slice(0, png.length - 30)) }, { path: 'a_R.png', blob: blobOf(png) }];
    const r = await loadPair(planPairs(files.map((f) => f.path)).pairs[0], mapOf(files), nodeDecoders);
    expect(r.ok).toBe(false);
    expect(r.notices[0].text).toMatch(/^Pair "a" not added: a_L\.png: .*truncated/);
  });

  it('GT of the wrong size and a mask of the wrong size: the pair is added without them, with warnings', async () => {
    const files = [
      { path: 's/left.png', blob: blobOf(solidRgbPng(8, 4)) },
      { path: 's/right.png', blob: blobOf(solidRgbPng(8, 4)) },
      { path: 's/disp.pfm', blob: blobOf(new TextEncoder().encode('Pf\n2 2\n-1\n')) },
      { path: 's/mask_nonocc.png', blob: blobOf(grayPng([255, 255, 0, 0], 2, 2, 8)) },
    ];
    const pair = planPairs(files.map((f) => f.path)).pairs[0];
    expect(pair.gt).toBe('s/disp.pfm');
    const r = await loadPair(pair, mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error(r.notices[0].text);
    expect(r.scene.gtDisp).toBeUndefined();
    expect(r.scene.nonOccMask).toBeUndefined();
    expect(r.notices.map((n) => n.level)).toEqual(['warning', 'warning']);
    expect(r.notices[0].text).toMatch(/^Pair "s" added without GT: s\/disp\.pfm: /);
    expect(r.notices[1].text).toBe(
      'Pair "s" added without its mask: s/mask_nonocc.png: non-occlusion mask is 2x2 but the left image s/left.png is 8x4. Give the mask for this image pair, at the same resolution',
    );
  });

  it('GT of the wrong size given after the scale question is refused with a clear message', async () => {
    const files = [{ path: 'left.png', blob: blobOf(solidRgbPng(8, 4)) }, { path: 'right.png', blob: blobOf(solidRgbPng(8, 4)) }, { path: 'disp_left.png', blob: blobOf(grayPng([1, 2, 3, 4], 2, 2, 8)) }];
    const r = await loadPair(planPairs(files.map((f) => f.path)).pairs[0], mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error('not ok');
    await expect(decodeGtFor(r.scene, r.gtNeedsScale!, 4)).rejects.toThrow('disp_left.png: GT disparity is 2x2 but the left image left.png is 8x4');
  });

  it('an image above MAX_PIXELS is flagged tooLarge', async () => {
    const big: Decoders = { image: async () => ({ width: 2500, height: 1700, data: new Float32Array(0) }) };
    const pair: PlannedPair = { name: 'big', dir: '', left: 'l.png', right: 'r.png', scheme: 'by hand' };
    const r = await loadPair(pair, new Map([['l.png', blobOf('')], ['r.png', blobOf('')]]), big);
    expect(2500 * 1700).toBeGreaterThan(MAX_PIXELS);
    expect(r.ok && r.tooLarge).toBe(true);
  });
});

describe('decodeImageRobust', () => {
  it('falls back to the JavaScript readers where the browser decoder is missing, and names truncation', async () => {
    const png = solidRgbPng(4, 2, [255, 0, 0]);
    const img = await decodeImageRobust(blobOf(png), 'x.png');
    expect([img.width, img.height, img.data[0], img.data[1]]).toEqual([4, 2, 1, 0]);
    await expect(decodeImageRobust(blobOf(png.slice(0, 40)), 'x.png')).rejects.toThrow(/^x\.png: .*truncated/);
  });
});

describe('downscaling', () => {
  const ramp = (w: number, h: number): RgbImage => ({ width: w, height: h, data: Float32Array.from({ length: w * h * 3 }, (_, i) => Math.floor(i / 3)) });

  it('averages RGB blocks and floors the size', () => {
    const img = downscaleRgb(ramp(5, 4), 2); // pixel value = its index
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(Array.from(img.data.filter((_, i) => i % 3 === 0))).toEqual([3, 5, 13, 15]);
  });

  it('disparity: mean of valid values divided by the factor; no valid value gives 0', () => {
    const d = downscaleDisp({ width: 4, height: 2, data: Float32Array.from([8, 0, 0, 0, 4, 0, 0, 0]) }, 2);
    expect(Array.from(d.data)).toEqual([3, 0]);
  });

  it('mask: 1 only where the whole block is 1', () => {
    expect(Array.from(downscaleMask(Uint8Array.from([1, 1, 1, 0, 1, 1, 1, 1]), 4, 2, 2))).toEqual([1, 0]);
  });

  it('downscaleScene shrinks every map and records the factor', () => {
    const scene = {
      name: 's', width: 4, height: 4, leftImg: ramp(4, 4), rightImg: ramp(4, 4), fileWidth: 4, fileHeight: 4, factor: 1,
      gtDisp: { width: 4, height: 4, data: new Float32Array(16).fill(10) }, nonOccMask: new Uint8Array(16).fill(1), files: { left: 'l', right: 'r' },
    };
    const small = downscaleScene(scene, 4);
    expect([small.width, small.height, small.factor, small.gtDisp!.data[0], small.nonOccMask![0]]).toEqual([1, 1, 4, 2.5, 1]);
    expect(() => downscaleScene(scene, 1.5)).toThrow(/whole number/);
  });
});
