/**
 * The first look at the files given, before pairing: .zip archives are expanded into their entries
 * and files named as images are checked by their magic bytes, so a renamed text file or an empty
 * download is reported by name here rather than failing a pair later (src/data/screen.test.ts).
 * Files not named as images pass through: pairing reports them (notImageNotice) or skips known clutter.
 */
import { unzipSync } from 'fflate';
import { DataError, HINT_IMAGE } from './errors';
import { bytesOf, messageOf, type IntakeFile, type IntakeNotice } from './intake';
import { IMAGE_EXTENSIONS, parsePath } from './fileRoles';
import { sniffFormat } from './sniff';

/** Zip entries above this size are skipped (a guard against zip bombs). */
export const MAX_ZIP_ENTRY_BYTES = 256 * 2 ** 20;
/** Formats the browser decodes but sniffFormat does not know. */
const BROWSER_ONLY = ['webp', 'bmp', 'gif', 'avif'];

function isZip(head: Uint8Array, path: string): boolean {
  return (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) || /\.zip$/i.test(path);
}

/**
 * Expands .zip files into their entries (paths prefixed with the archive's name, so a zip of bare
 * left.png / right.png gets the archive's name) and checks the magic bytes of files named as images.
 * Returns the files to pair (files not named as images included: pairing reports them) and a notice
 * for each file dropped.
 */
export async function screenFiles(files: readonly IntakeFile[]): Promise<{ files: IntakeFile[]; notices: IntakeNotice[] }> {
  const out: IntakeFile[] = [];
  const notices: IntakeNotice[] = [];
  for (const f of files) {
    const head = await bytesOf(f.blob.slice(0, 16));
    if (!isZip(head, f.path)) {
      out.push(f);
      continue;
    }
    try {
      const prefix = f.path.replace(/\.zip$/i, '');
      let skipped = 0;
      const entries = unzipSync(await bytesOf(f.blob), {
        filter: (e) => {
          if (e.name.endsWith('/')) return false;
          if (e.originalSize > MAX_ZIP_ENTRY_BYTES) skipped++;
          return e.originalSize <= MAX_ZIP_ENTRY_BYTES;
        },
      });
      for (const [name, data] of Object.entries(entries)) out.push({ path: `${prefix}/${name}`, blob: new Blob([data]) });
      if (skipped > 0) notices.push({ level: 'warning', text: `${f.path}: ${skipped} file(s) over ${MAX_ZIP_ENTRY_BYTES / 2 ** 20} MB skipped.` });
    } catch (err) {
      notices.push({ level: 'error', text: `${f.path}: not a readable .zip archive (${messageOf(err)}). Re-create the archive, or add the files themselves.` });
    }
  }
  const usable: IntakeFile[] = [];
  for (const f of out) {
    const { ext } = parsePath(f.path);
    if (!IMAGE_EXTENSIONS.includes(ext)) {
      usable.push(f); // pairing reports it as "not an image" (or skips known clutter)
      continue;
    }
    if (BROWSER_ONLY.includes(ext) || sniffFormat(await bytesOf(f.blob.slice(0, 16))) !== undefined) usable.push(f);
    else if (f.blob.size === 0) notices.push({ level: 'error', text: new DataError(f.path, 'empty file', HINT_IMAGE).message });
    else notices.push({ level: 'error', text: new DataError(f.path, 'not an image (unknown magic bytes)', HINT_IMAGE).message });
  }
  return { files: usable, notices };
}

/** Notice for a file with an extension that is not an image's. */
export function notImageNotice(path: string): IntakeNotice {
  const ext = parsePath(path).ext;
  return { level: 'error', text: `${path}: not an image${ext ? ` (.${ext})` : ''}, skipped. Add PNG, JPEG, PGM or PFM files, a folder, or a .zip of them.` };
}
