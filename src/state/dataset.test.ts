// The dataset slice's intake as the user meets it: files of several folders that share names, the
// confirmation and selection of what was added, pairs over the pixel limits, calib.txt.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../data/image';
import { MAX_DECODE_PIXELS, MAX_PIXELS, type Decoders, type IntakeFile } from '../data/intake';
import { pngDeclaring } from '../testing/png';
import { solidRgbPng } from '../testing/images';
import { samplesDir } from '../testing/shared';
import { TrainClient } from '../train/client';
import { FakeWorker } from './fakeWorker';
import { createAppStore, type AppStore } from './store';

/** Node has no createImageBitmap: the JavaScript readers, counting decodes. */
function setup(): { store: AppStore; decodes: () => number } {
  let n = 0;
  const decoders: Decoders = { image: async (blob, name) => (n++, decodeImage(new Uint8Array(await blob.arrayBuffer()), name)) };
  return { store: createAppStore(new TrainClient(new FakeWorker()), { pageHasWebGpu: false, decoders }), decodes: () => n };
}

const png = (w: number, h: number, rgb: [number, number, number]) => new Blob([solidRgbPng(w, h, rgb) as BlobPart]);
const file = (path: string, blob: Blob | string): IntakeFile => ({ path, blob: typeof blob === 'string' ? new Blob([blob]) : blob });
const sample = async (scene: string, name: string, as: string): Promise<IntakeFile> => ({ path: as, blob: new Blob([await readFile(join(samplesDir, scene, name))]) });
/** The first red value of each pair's left image, by pair name: which scene each pair holds. */
const leftReds = (store: AppStore) => Object.fromEntries(store.getState().dataset.pairs.map((p) => [p.name, Math.round(store.getState().buffers.scenes.get(p.id)!.leftImg.data[0] * 255)]));

describe('files of several folders that share names', () => {
  it('a picker gives names only (left.png twice): both scenes are kept, in the order given, with distinct names, and the message says what was paired', async () => {
    const { store } = setup();
    // scene A is red 10 (left) / 11 (right), scene B red 20 / 21, as a/ and b/ would be picked
    await store.getState().addFiles([
      file('left.png', png(8, 4, [10, 0, 0])),
      file('right.png', png(8, 4, [11, 0, 0])),
      file('left.png', png(8, 4, [20, 0, 0])),
      file('right.png', png(8, 4, [21, 0, 0])),
    ]);
    const s = store.getState();
    expect(s.dataset.pairs.map((p) => [p.name, p.files.left, p.files.right])).toEqual([
      ['group 1', 'group 1/left.png', 'group 1/right.png'],
      ['group 2', 'group 2/left.png', 'group 2/right.png'],
    ]);
    expect(leftReds(store)).toEqual({ 'group 1': 10, 'group 2': 20 });
    const rightRed = (i: number) => Math.round(s.buffers.scenes.get(s.dataset.pairs[i].id)!.rightImg.data[0] * 255);
    expect([rightRed(0), rightRed(1)]).toEqual([11, 21]);
    expect(s.dataset.notices.map((n) => n.text)).toEqual([
      'Added 2 pairs: group 1, 8x4, no GT; group 2, 8x4, no GT.',
      'Files with the same name were given without their folders (left.png ×2, right.png ×2), as a file picker gives files of several folders. ' +
        'The n-th file of each name was put in group n, in the order given, and pairs were matched within each group: ' +
        'group 1: group 1/left.png + group 1/right.png; group 2: group 2/left.png + group 2/right.png. ' +
        'If that is not how they belong together, use Add a folder or drop the folders: folder names keep scenes apart.',
    ]);
  });

  it('with their folders (a folder pick or a drop): named from the folder; the same names added again get a suffix', async () => {
    const { store } = setup();
    const files = () => [file('a/left.png', png(8, 4, [10, 0, 0])), file('a/right.png', png(8, 4, [11, 0, 0])), file('b/left.png', png(8, 4, [20, 0, 0])), file('b/right.png', png(8, 4, [21, 0, 0]))];
    await store.getState().addFiles(files());
    await store.getState().addFiles(files());
    expect(leftReds(store)).toEqual({ a: 10, b: 20, 'a (2)': 10, 'b (2)': 20 });
  });

  it('two folders of one name under different parents: named with the parent, never merged', async () => {
    const { store } = setup();
    await store.getState().addFiles([file('x/scene/im0.png', png(8, 4, [10, 0, 0])), file('x/scene/im1.png', png(8, 4, [11, 0, 0])), file('y/scene/im0.png', png(8, 4, [20, 0, 0])), file('y/scene/im1.png', png(8, 4, [21, 0, 0]))]);
    expect(leftReds(store)).toEqual({ 'x/scene': 10, 'y/scene': 20 });
  });
});

describe('what was added is confirmed, selected and scrolled to', () => {
  it('the samples load silently with the first selected; a pair the user adds is confirmed ("Added teddy (2), 450x375, with GT."), selected and scrolled to', async () => {
    const { store } = setup();
    const publicDir = join(samplesDir, '..');
    const fetcher = (async (url: string) => new Response(await readFile(join(publicDir, url.replace(/^base\//, ''))))) as typeof fetch;
    await store.getState().loadSamples('base/', fetcher);
    let s = store.getState();
    expect(s.dataset.notices).toEqual([]);
    const first = s.dataset.pairs[0].id;
    expect(s.dataset.selectedId).toBe(first);
    expect(s.dataset.lastAdded).toBeUndefined();

    const teddy = await Promise.all(['left.png', 'right.png', 'disp_left.png', 'mask_nonocc.png'].map((f) => sample('teddy', f, `teddy/${f}`)));
    await store.getState().addFiles(teddy);
    s = store.getState();
    const added = s.dataset.pairs.find((p) => p.name === 'teddy (2)')!;
    expect(added.id).not.toBe(first);
    expect(s.dataset.selectedId).toBe(added.id);
    expect(s.dataset.lastAdded).toEqual({ id: added.id, seq: 1 });
    expect(s.dataset.notices).toEqual([{ id: expect.any(Number), level: 'info', text: 'Added teddy (2), 450x375, with GT.' }]);
  });
});

describe('sizes from the headers, before any decode', () => {
  it('a pair over the pixel limit is offered at once, not decoded; the chosen downscale then decodes, adds, confirms and selects it', async () => {
    const { store, decodes } = setup();
    const [w, h] = [2600, 1600];
    expect(w * h).toBeGreaterThan(MAX_PIXELS);
    const grey = new Blob([pngDeclaring(w, h, h) as BlobPart]);
    await store.getState().addFiles([file('big/left.png', grey), file('big/right.png', grey)]);
    let s = store.getState();
    expect(decodes()).toBe(0);
    expect(s.dataset.pairs).toEqual([]);
    expect(s.dataset.largeOffers).toEqual([{ id: expect.any(String), name: 'big', width: w, height: h }]);
    await s.resolveLarge(s.dataset.largeOffers[0].id, 4);
    s = store.getState();
    expect(decodes()).toBe(2);
    expect(s.dataset.largeOffers).toEqual([]);
    expect(s.dataset.pairs).toMatchObject([{ name: 'big', width: 650, height: 400, factor: 4 }]);
    expect(s.dataset.selectedId).toBe(s.dataset.pairs[0].id);
    expect(s.dataset.notices[0].text).toBe('Added big, 650x400 (downscaled ×4 from 2600x1600), no GT.');
  });

  it('a tiny PNG claiming 30000x30000 is refused at once with its size and the limit; no offer, no decode', async () => {
    const { store, decodes } = setup();
    const huge = new Blob([pngDeclaring(30000, 30000) as BlobPart]);
    await store.getState().addFiles([file('left.png', huge), file('right.png', huge)]);
    const s = store.getState();
    expect(decodes()).toBe(0);
    expect(s.dataset.largeOffers).toEqual([]);
    expect(s.dataset.pairs).toEqual([]);
    expect(s.dataset.notices.map((n) => [n.level, n.text])).toEqual([
      ['error', `Pair left.png + right.png not added: left.png: 30000x30000 (900.0 megapixels) is over the ${(MAX_DECODE_PIXELS / 1e6).toFixed(1)} megapixels this page can decode. Downscale it by 15 or more with an image editor (to 2000x2000) and add it again`],
    ]);
  });
});

describe('calib.txt beside the pair', () => {
  const calib = 'cam0=[1000 0 20; 0 1000 10; 0 0 1]\ncam1=[1000 0 26; 0 1000 10; 0 0 1]\ndoffs=6\nbaseline=160\nwidth=16\nheight=8\nndisp=40\n';

  it('fills PairMeta.calib and ndisp, scaled to the images; the confirmation says so', async () => {
    const { store } = setup();
    await store.getState().addFiles([file('m/im0.png', png(8, 4, [1, 2, 3])), file('m/im1.png', png(8, 4, [1, 2, 3])), file('m/calib.txt', calib)]);
    const s = store.getState();
    expect(s.dataset.pairs[0]).toMatchObject({ name: 'm', calib: { focalPx: 500, baselineM: 0.16, doffs: 3, source: 'm/calib.txt' }, ndisp: 20 });
    expect(s.dataset.notices[0].text).toBe('Added m, 8x4, no GT, calibration from m/calib.txt (ndisp 20).');
  });

  it('a bad calib.txt: a warning naming the file and the fault, and the pair is added without calibration', async () => {
    const { store } = setup();
    await store.getState().addFiles([file('m/im0.png', png(8, 4, [1, 2, 3])), file('m/im1.png', png(8, 4, [1, 2, 3])), file('m/calib.txt', calib.replace('baseline=160', 'baseline=wide'))]);
    const s = store.getState();
    expect(s.dataset.pairs).toHaveLength(1);
    expect(s.dataset.pairs[0].calib).toBeUndefined();
    expect(s.dataset.notices.map((n) => [n.level, n.text])).toEqual([
      ['info', 'Added m, 8x4, no GT.'],
      ['warning', expect.stringMatching(/^Pair "m" added without calibration: m\/calib\.txt: baseline=wide is not a positive number\. Give the calib\.txt/)],
    ]);
  });
});
