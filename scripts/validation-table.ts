// Markdown tables of scripts/validate.sh's results: every map's EPE and bad-3 (KITTI: D1) on the six
// validation scenes, zero-shot and after each adaptation budget, next to OpenCV SGBM
// (../shared/tools/sgbm_results.jsonl) and the best constant guess; then how many scenes each final
// map beats SGBM on, and the reciprocal relations after adaptation.
//
//   npx tsx scripts/validation-table.ts <out dir of validate.sh>
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type Stats = { epe: number; d1: number; bad3: number; count: number };
type Metrics = { all: Stats; nonOcc?: Stats; occ?: Stats };
type Result = { constantEpe: number; StereoNet?: Metrics; SingleNet?: Metrics; Fused?: Metrics; 'StereoNet-D'?: Metrics; 'Fused-D'?: Metrics };
const MAPS = ['StereoNet', 'SingleNet', 'Fused', 'StereoNet-D', 'Fused-D'] as const;

const out = process.argv[2];
if (!out) throw new Error('usage: validation-table.ts <out dir>');
const shared = process.env.RD_SHARED ?? join(import.meta.dirname, '../../shared');
const sgbm = new Map<string, { epe: number; bad3: number; d1: number }>();
for (const line of readFileSync(join(shared, 'tools/sgbm_results.jsonl'), 'utf8').split('\n').filter(Boolean)) {
  const r = JSON.parse(line) as { scene: string; method: string; epe: number; bad3: number; d1: number };
  if (r.method === 'sgbm') sgbm.set(r.scene, r);
}
const kitti = (scene: string) => scene.startsWith('kitti');
/** bad-3 for Middlebury, D1 for KITTI (each benchmark's own outlier rate). */
const rate = (scene: string, s: Stats | { bad3: number; d1: number }) => (kitti(scene) ? s.d1 : s.bad3);

const conditions: [string, Record<string, Result>][] = [];
const zero = join(out, 'zero-shot.json');
if (existsSync(zero)) conditions.push(['zero-shot', (JSON.parse(readFileSync(zero, 'utf8')) as { results: Record<string, Result> }).results]);
const budgets = [...new Set(readdirSync(out).map((f) => /-(\d+)s\.json$/.exec(f)?.[1]).filter((b): b is string => !!b))].sort((a, b) => Number(a) - Number(b));
for (const b of budgets) {
  const merged: Record<string, Result> = {};
  for (const f of readdirSync(out).filter((f) => f.endsWith(`-${b}s.json`))) Object.assign(merged, (JSON.parse(readFileSync(join(out, f), 'utf8')) as { results: Record<string, Result> }).results);
  conditions.push([`adapted ${b} s`, merged]);
}

const lines: string[] = [];
lines.push('| scene | trained on it | condition | StereoNet | SingleNet | Fused | StereoNet-D | Fused-D (app) | SGBM | constant EPE |');
lines.push('|---|---|---|---|---|---|---|---|---|---|');
const scenes = [...new Set(conditions.flatMap(([, r]) => Object.keys(r)))].sort();
const fmt = (scene: string, m?: Metrics) => (m ? `${m.all.epe.toFixed(2)} / ${rate(scene, m.all).toFixed(1)}` : '-');
for (const scene of scenes) {
  for (const [cond, results] of conditions) {
    const r = results[scene];
    if (!r) continue;
    const g = sgbm.get(scene);
    lines.push(`| ${scene} | ${cond === 'zero-shot' ? 'no' : 'adapted to it, no GT'} | ${cond} | ${MAPS.map((m) => fmt(scene, r[m])).join(' | ')} | ${g ? `${g.epe.toFixed(2)} / ${rate(scene, g).toFixed(1)}` : '-'} | ${r.constantEpe.toFixed(2)} |`);
  }
}
lines.push('');
lines.push('EPE px / bad-3 % (KITTI: D1 %), all pixels with ground truth, full resolution.');
lines.push('');
lines.push('| condition | Fused-D (app) beats SGBM in EPE and rate | StereoNet-D beats SGBM in EPE and rate | Fused beats SGBM in EPE and rate | every map under half the constant guess EPE | every map but SingleNet under half |');
lines.push('|---|---|---|---|---|---|');
for (const [cond, results] of conditions) {
  const beats = (m: (typeof MAPS)[number]) => Object.entries(results).filter(([scene, r]) => {
    const g = sgbm.get(scene);
    return g && r[m] && r[m]!.all.epe < g.epe && rate(scene, r[m]!.all) < rate(scene, g);
  }).map(([s]) => s);
  const under = (maps: readonly (typeof MAPS)[number][]) => Object.entries(results).filter(([, r]) => maps.every((m) => !r[m] || r[m]!.all.epe < 0.5 * r.constantEpe)).map(([s]) => s);
  const half = under(MAPS);
  const halfButSingle = under(MAPS.filter((m) => m !== 'SingleNet'));
  const n = Object.keys(results).length;
  const list = (l: string[]) => `${l.length} of ${n} (${l.join(', ')})`;
  lines.push(`| ${cond} | ${list(beats('Fused-D'))} | ${list(beats('StereoNet-D'))} | ${list(beats('Fused'))} | ${half.length} of ${n} | ${list(halfButSingle)} |`);
}
lines.push('');
lines.push('Reciprocal relations (StereoNet-D better than StereoNet in EPE; SingleNet better than StereoNet on occluded pixels, where a mask exists; Fused no worse than either in EPE):');
lines.push('');
lines.push('| condition | scene | D < StereoNet | SingleNet < StereoNet on occluded | Fused <= min(StereoNet, SingleNet) |');
lines.push('|---|---|---|---|---|');
for (const [cond, results] of conditions) {
  for (const [scene, r] of Object.entries(results)) {
    if (!r.StereoNet || !r.SingleNet || !r.Fused) continue;
    const occ = r.StereoNet.occ && r.SingleNet.occ ? `${r.SingleNet.occ.epe < r.StereoNet.occ.epe ? 'yes' : 'no'} (${r.SingleNet.occ.epe.toFixed(2)} vs ${r.StereoNet.occ.epe.toFixed(2)})` : 'no mask';
    const d = r['StereoNet-D'] ? `${r['StereoNet-D'].all.epe < r.StereoNet.all.epe ? 'yes' : 'no'} (${r['StereoNet-D'].all.epe.toFixed(2)} vs ${r.StereoNet.all.epe.toFixed(2)})` : '-';
    const f = `${r.Fused.all.epe <= Math.min(r.StereoNet.all.epe, r.SingleNet.all.epe) + 1e-9 ? 'yes' : 'no'} (${r.Fused.all.epe.toFixed(2)})`;
    lines.push(`| ${cond} | ${scene} | ${d} | ${occ} | ${f} |`);
  }
}
console.log(lines.join('\n'));
