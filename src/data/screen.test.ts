import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { samplesDir } from '../testing/shared';
import { screenFiles } from './screen';

const blobOf = (bytes: Uint8Array | string) => new Blob([bytes as BlobPart]);

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
