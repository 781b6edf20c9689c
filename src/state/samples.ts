// The bundled sample scenes (public/samples): their list, samples/index.json, and their files,
// fetched into the planned pairs the dataset slice adds (./dataset.ts loadSamples). The index gives
// each scene's files and its GT scale, which the sample names do not all tell (store.test.ts,
// "loads the bundled scenes from public/samples/index.json"; a failed fetch: "a sample that cannot
// be fetched gives one message").
import type { PlannedPair } from '../data/pairing';

interface SampleIndex {
  scenes: { name: string; left: string; right: string; gt?: string; gtScale?: number; nonOcc?: string }[];
}

/** Fetches `<baseUrl>samples/index.json` and every file it lists, one after another. Throws on an HTTP error. */
export async function fetchSamples(baseUrl: string, fetcher: typeof fetch): Promise<{ pairs: PlannedPair[]; byPath: Map<string, Blob>; gtScale: (p: PlannedPair) => number | undefined }> {
  const get1 = async (path: string): Promise<Blob> => {
    const res = await fetcher(`${baseUrl}samples/${path}`);
    if (!res.ok) throw new Error(`samples/${path}: HTTP ${res.status}`);
    return res.blob();
  };
  const res = await fetcher(`${baseUrl}samples/index.json`);
  if (!res.ok) throw new Error(`samples/index.json: HTTP ${res.status}`);
  const index = (await res.json()) as SampleIndex;
  const byPath = new Map<string, Blob>();
  const pairs: PlannedPair[] = [];
  const scales = new Map<PlannedPair, number | undefined>();
  for (const s of index.scenes) {
    const paths = [s.left, s.right, s.gt, s.nonOcc].filter((p): p is string => p !== undefined);
    for (const p of paths) byPath.set(p, await get1(p));
    const pair: PlannedPair = { name: s.name, dir: s.name, left: s.left, right: s.right, gt: s.gt, nonOcc: s.nonOcc, scheme: 'left/right' };
    pairs.push(pair);
    scales.set(pair, s.gtScale);
  }
  return { pairs, byPath, gtScale: (p) => scales.get(p) };
}
