// Reading a corpus folder (issue 22) into memory once, as 8-bit arrays: which pairs there are, the
// domain each belongs to (the batch planner in src/train/corpus.ts samples domains evenly), and
// which could not be read. Training on them is ./corpus.ts.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listSceneDirs, loadSceneDir } from '../src/data/node';
import { estimateDispMax, toBytes, type CorpusPair } from '../src/train/corpus';

interface IndexEntry {
  name: string;
  domain?: string;
  dispMax?: number | null;
}

/**
 * Reads every pair of a corpus folder (one sub-folder per pair: left.*, right.*, optional disp_left.*)
 * into 8-bit RGB. index.json, when present, gives each pair's domain and largest GT disparity;
 * without it the domain is the folder name up to its first '-' ('all' when it has none) and the
 * disparity an estimate from the width. A pair that cannot be read (a damaged file, views of
 * different sizes) is skipped with a message naming it, so one bad folder does not end a long run
 * (cli/corpus.test.ts, loadCorpus). `exclude` names pairs kept out (a validation split).
 */
export async function loadCorpus(dir: string, opts: { exclude?: readonly string[]; log?: (msg: string) => void } = {}): Promise<{ pairs: CorpusPair[]; skipped: string[] }> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const indexPath = join(dir, 'index.json');
  const index = new Map<string, IndexEntry>();
  if (existsSync(indexPath)) {
    const raw = JSON.parse(await readFile(indexPath, 'utf8')) as IndexEntry[] | { pairs: IndexEntry[] };
    for (const e of Array.isArray(raw) ? raw : raw.pairs) index.set(e.name, e);
  }
  const pairs: CorpusPair[] = [];
  const skipped: string[] = [];
  for (const d of await listSceneDirs(dir)) {
    const name = d.split('/').pop()!;
    if (opts.exclude?.includes(name)) continue;
    try {
      // decoded to floats one pair at a time, then kept as bytes; GT is not used here, so its scale need not be known
      const s = await loadSceneDir(d, { onUnknownGtScale: () => {} });
      const e = index.get(name);
      const known = typeof e?.dispMax === 'number' && e.dispMax > 0;
      pairs.push({
        name,
        domain: e?.domain ?? (name.includes('-') ? name.slice(0, name.indexOf('-')) : 'all'),
        width: s.width,
        height: s.height,
        left: toBytes(s.leftImg.data),
        right: toBytes(s.rightImg.data),
        dispMax: known ? e!.dispMax! : estimateDispMax(s.width),
        dispMaxKnown: known,
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      skipped.push(name);
      log(`skipped ${name}: ${why}`);
    }
  }
  return { pairs, skipped };
}

/** Bytes the corpus holds (both views, 1 byte a value). */
export function corpusBytes(pairs: readonly CorpusPair[]): number {
  return pairs.reduce((n, p) => n + p.left.length + p.right.length, 0);
}
