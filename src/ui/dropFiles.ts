// Files from a file input or a drop, with their folder paths, as IntakeFiles. Dropped folders
// are walked with the (non-standard but universal) webkitGetAsEntry API.
import type { IntakeFile } from '../data/intake';

/** Files from an <input type="file">: folder picks carry webkitRelativePath. */
export function filesFromList(list: FileList | null): IntakeFile[] {
  return Array.from(list ?? [], (f) => ({ path: f.webkitRelativePath || f.name, blob: f }));
}

function readEntries(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

async function walk(entry: FileSystemEntry, out: IntakeFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ path: entry.fullPath.replace(/^\//, ''), blob: file });
    return;
  }
  if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries returns at most ~100 entries per call: read until it returns none.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) {
      for (const child of batch) await walk(child, out);
    }
  }
}

/** Files (and the contents of folders) from a drop. */
export async function filesFromDrop(dt: DataTransfer): Promise<IntakeFile[]> {
  const entries = Array.from(dt.items)
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) return filesFromList(dt.files);
  const out: IntakeFile[] = [];
  for (const e of entries) await walk(e!, out);
  return out;
}
