import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { samplesDir } from '../testing/shared';
import { downscaleScene } from './downscale';
import { decodeImage } from './image';
import { decodeGtFor, decodeImageRobust, loadPair, MAX_DECODE_PIXELS, MAX_PIXELS, type Decoders, type IntakeFile } from './intake';
import { planPairs, type PlannedPair } from './pairing';
import { encodePfm } from './pfm';
import { pngDeclaring } from '../testing/png';
import { grayPng, solidRgbPng } from '../testing/images';

/** Node has no createImageBitmap: decode with the JavaScript readers. */
const nodeDecoders: Decoders = { image: async (blob, name) => decodeImage(new Uint8Array(await blob.arrayBuffer()), name) };

/** A file of a bundled sample scene (public/samples: in every checkout, unlike the shared data folder). */
async function sampleFile(scene: string, file: string, as = `${scene}/${file}`): Promise<IntakeFile> {
  const bytes = await readFile(join(samplesDir, scene, file));
  return { path: as, blob: new Blob([bytes]) };
}

const blobOf = (bytes: Uint8Array | string) => new Blob([bytes as BlobPart]);
const mapOf = (files: IntakeFile[]) => new Map(files.map((f) => [f.path, f.blob]));

describe('loadPair', () => {
  it('tsukuba from bare file names: decodes both views; asks for the GT scale (the names do not tell it)', async () => {
    const files = [await sampleFile('tsukuba', 'left.png', 'left.png'), await sampleFile('tsukuba', 'right.png', 'right.png'), await sampleFile('tsukuba', 'disp_left.pgm', 'disp_left.pgm')];
    const pair = planPairs(files.map((f) => f.path)).pairs[0];
    const r = await loadPair(pair, mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error(r.notices[0].text);
    expect(r.scene).toMatchObject({ width: 384, height: 288, factor: 1 });
    expect(r.scene.gtDisp).toBeUndefined();
    expect(r.gtNeedsScale?.path).toBe('disp_left.pgm');
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

  it('a pair above MAX_PIXELS by its headers is asked about before any decode; the chosen factor then downscales it', async () => {
    let decodes = 0;
    const counting: Decoders = { image: async (blob, name) => (decodes++, nodeDecoders.image(blob, name)) };
    const [w, h] = [2600, 1600];
    expect(w * h).toBeGreaterThan(MAX_PIXELS);
    const grey = blobOf(pngDeclaring(w, h, h));
    const pair: PlannedPair = { name: 'big', dir: '', left: 'l.png', right: 'r.png', scheme: 'by hand' };
    const files = new Map([['l.png', grey], ['r.png', grey]]);
    const r = await loadPair(pair, files, counting);
    expect(r).toEqual({ ok: false, ask: { width: w, height: h }, notices: [] });
    expect(decodes).toBe(0);
    const r2 = await loadPair(pair, files, counting, { factor: 4 });
    if (!r2.ok) throw new Error(r2.notices[0]?.text);
    expect(decodes).toBe(2);
    expect(r2.scene).toMatchObject({ width: w / 4, height: h / 4, fileWidth: w, fileHeight: h, factor: 4 });
  });

  it('a tiny PNG whose IHDR claims 30000x30000 is refused from its header, naming the size and the limit, never decoded', async () => {
    const decoders: Decoders = { image: async () => Promise.reject(new Error('decoded')) };
    const huge = pngDeclaring(30000, 30000);
    expect(huge.length).toBeLessThan(200);
    const pair: PlannedPair = { name: 'huge', dir: '', left: 'l.png', right: 'r.png', scheme: 'by hand' };
    const small = blobOf(solidRgbPng(8, 4));
    const r = await loadPair(pair, new Map([['l.png', small], ['r.png', blobOf(huge)]]), decoders);
    expect(r.ok).toBe(false);
    expect(r.notices).toEqual([
      {
        level: 'error',
        text: `Pair "huge" not added: r.png: 30000x30000 (900.0 megapixels) is over the ${(MAX_DECODE_PIXELS / 1e6).toFixed(1)} megapixels this page can decode. Downscale it by 15 or more with an image editor (to 2000x2000) and add it again`,
      },
    ]);
    expect(Math.ceil(Math.sqrt(9e8 / MAX_PIXELS))).toBe(15);
  });

  it('a decode that fails says which file and what to do: a damaged file, or memory running out', async () => {
    const pair: PlannedPair = { name: 'x', dir: '', left: 'l.png', right: 'r.png', scheme: 'by hand' };
    const claims = blobOf(pngDeclaring(64, 32)); // a header and no rows
    const r = await loadPair(pair, new Map([['l.png', claims], ['r.png', claims]]), nodeDecoders);
    expect(r.ok).toBe(false);
    expect(r.notices[0].text).toMatch(/^Pair "x" not added: l\.png: truncated or corrupt PNG .*\. Re-export the file/);
    const oom: Decoders = { image: async () => Promise.reject(new RangeError('Array buffer allocation failed')) };
    const r2 = await loadPair(pair, new Map([['l.png', blobOf(solidRgbPng(8, 4))], ['r.png', blobOf(solidRgbPng(8, 4))]]), oom);
    expect(r2.notices[0].text).toBe(
      'Pair "x" not added: l.png: could not be decoded (Array buffer allocation failed). The browser ran out of memory for it: downscale the image with an image editor, or close other tabs, and add it again',
    );
  });

  it('GT whose header declares another size is refused without decoding it; the pair is added', async () => {
    const files: IntakeFile[] = [
      { path: 'left.png', blob: blobOf(solidRgbPng(8, 4)) },
      { path: 'right.png', blob: blobOf(solidRgbPng(8, 4)) },
      { path: 'disp_left.pfm', blob: blobOf('PF\n30000 30000\n-1\n') },
    ];
    const r = await loadPair(planPairs(files.map((f) => f.path)).pairs[0], mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error(r.notices[0].text);
    expect(r.scene.gtDisp).toBeUndefined();
    expect(r.notices.map((n) => n.text)).toEqual([
      'Pair left.png + right.png added without GT: disp_left.pfm: GT disparity is 30000x30000 but the left image left.png is 8x4. Give the GT for this image pair, at the same resolution',
    ]);
  });

  it('calib.txt beside the pair: read, scaled to the images when it is for a larger release, and scaled again by a chosen downscale', async () => {
    const calib = 'cam0=[3997.684 0 1176.728; 0 3997.684 1011.728; 0 0 1]\ncam1=[3997.684 0 1307.839; 0 3997.684 1011.728; 0 0 1]\ndoffs=131.111\nbaseline=193.001\nwidth=32\nheight=16\nndisp=280\n';
    const files: IntakeFile[] = [
      { path: 'motorcycle/im0.png', blob: blobOf(solidRgbPng(8, 4)) },
      { path: 'motorcycle/im1.png', blob: blobOf(solidRgbPng(8, 4)) },
      { path: 'motorcycle/calib.txt', blob: blobOf(calib) },
    ];
    const pair = planPairs(files.map((f) => f.path)).pairs[0];
    expect(pair.calib).toBe('motorcycle/calib.txt');
    const r = await loadPair(pair, mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error(r.notices[0].text);
    // 32x16 in the file, 8x4 images: a quarter
    expect(r.scene.calib).toEqual({ focalPx: 3997.684 / 4, baselineM: 0.193001, doffs: 131.111 / 4, source: 'motorcycle/calib.txt' });
    expect(r.scene.ndisp).toBe(70);
    expect(r.notices.map((n) => n.text)).toEqual([
      `Pair "motorcycle": motorcycle/calib.txt is for 32x16 images; its focal length, doffs and ndisp were scaled by 0.25 to the pair's 8x4.`,
    ]);
    const half = downscaleScene(r.scene, 2);
    expect(half.calib).toEqual({ focalPx: 3997.684 / 8, baselineM: 0.193001, doffs: 131.111 / 8, source: 'motorcycle/calib.txt' });
    expect(half.ndisp).toBe(35);
  });

  it('a Middlebury 2014 folder: disp0GT.pfm and mask0nocc.png, whose 128 pixels are occluded (not visible)', async () => {
    const gt = encodePfm({ width: 4, height: 2, channels: 1, data: Float32Array.from([1, 2, 3, 4, Infinity, 6, 7, 8]) });
    const files: IntakeFile[] = [
      { path: 'Adirondack/im0.png', blob: blobOf(solidRgbPng(4, 2)) },
      { path: 'Adirondack/im1.png', blob: blobOf(solidRgbPng(4, 2)) },
      { path: 'Adirondack/disp0GT.pfm', blob: blobOf(gt) },
      { path: 'Adirondack/mask0nocc.png', blob: blobOf(grayPng([255, 128, 255, 128, 0, 255, 255, 128], 4, 2, 8)) },
    ];
    const r = await loadPair(planPairs(files.map((f) => f.path)).pairs[0], mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error(r.notices[0].text);
    expect(Array.from(r.scene.nonOccMask ?? [])).toEqual([1, 0, 1, 0, 0, 1, 1, 0]);
  });

  it('a bad calib.txt gives a warning naming the file and what is wrong; the pair is still added', async () => {
    const files: IntakeFile[] = [
      { path: 's/im0.png', blob: blobOf(solidRgbPng(8, 4)) },
      { path: 's/im1.png', blob: blobOf(solidRgbPng(8, 4)) },
      { path: 's/calib.txt', blob: blobOf('cam0=[3997.684 0 1176.728; 0 3997.684 1011.728]\nbaseline=193.001\n') },
    ];
    const r = await loadPair(planPairs(files.map((f) => f.path)).pairs[0], mapOf(files), nodeDecoders);
    if (!r.ok) throw new Error(r.notices[0].text);
    expect(r.scene.calib).toBeUndefined();
    expect(r.notices).toEqual([
      {
        level: 'warning',
        text: 'Pair "s" added without calibration: s/calib.txt: cam0=[3997.684 0 1176.728; 0 3997.684 1011.728] is not a 3x3 matrix [f 0 cx; 0 f cy; 0 0 1]. Give the calib.txt of this scene (lines such as cam0=[f 0 cx; 0 f cy; 0 0 1], doffs=, baseline= in mm), or remove it',
      },
    ]);
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
