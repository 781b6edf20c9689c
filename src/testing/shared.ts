/**
 * Where the tests find the project's shared data folder, and what they do without it. Node-only (fs).
 *
 * The shared folder (../shared beside the checkout, or $RD_SHARED) is not part of the repository, so a
 * fresh clone has none and `npm test` must still pass there. Hence:
 *  - tests read real scenes from public/samples (byte-for-byte copies of the Middlebury scenes of
 *    shared/data/stereo, see public/samples/ATTRIBUTION.md) wherever those are enough;
 *  - tests of what only the shared folder holds (the KITTI frames, the occ_and_discont masks) skip
 *    through `sharedMissing`, which prints which path is missing;
 *  - under CI (which has the shared folder) a missing path throws instead, so a wrong path or a lost
 *    folder fails the run rather than quietly skipping the very tests it should have run.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (this file is src/testing/shared.ts). */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** The shared data folder: $RD_SHARED when set (and not empty, as in src/data/node.ts), else ../shared beside the checkout. */
export const sharedDir = process.env.RD_SHARED || resolve(repoRoot, '../shared');

/** Whether the shared data folder exists at all. */
export const hasShared = existsSync(sharedDir);

/** The shared stereo scenes (what sharedStereoRoot() in src/data/node.ts returns). */
export const sharedStereoDir = join(sharedDir, 'data/stereo');

/** The scenes bundled with the app (always in the checkout): tsukuba, venus, teddy, cones. */
export const samplesDir = join(repoRoot, 'public/samples');

const reported = new Set<string>();

/**
 * True when `rel` (a path inside the shared folder) is missing, so that the tests of `what` should be
 * skipped; prints the reason once per path and purpose. Under CI a missing path throws instead.
 *
 *   describe.skipIf(sharedMissing('data/stereo/kitti2015_000000', 'the KITTI checks'))(...)
 */
export function sharedMissing(rel: string, what: string): boolean {
  const path = join(sharedDir, rel);
  if (existsSync(path)) return false;
  const why = `${path} is missing (the shared data folder: $RD_SHARED, else ../shared beside the checkout)`;
  if (process.env.CI) throw new Error(`CI needs the shared data for ${what}: ${why}`);
  const key = `${path}\n${what}`;
  if (!reported.has(key)) {
    reported.add(key);
    console.warn(`skipping ${what}: ${why}`);
  }
  return true;
}
