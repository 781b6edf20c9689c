// The benchmarks' one text format, printed by `npm run bench` (cli/bench.ts) and `npm run bench:browser`
// (cli/bench-browser.ts) alike: a line per row as it arrives, then the step table and its details. What each
// figure means is defined in src/bench/core.ts.
import type { InferenceReport, StageRow } from './types';

export const ms = (x?: number): string => (x === undefined ? '-' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)}`);
const msUnit = (x?: number) => (x !== undefined && x >= 10_000 ? ms(x) : `${ms(x)} ms`);
const mb = (b: number) => (b / 2 ** 20).toFixed(1);
const head = (r: StageRow) => `${r.backend} ${r.size} ${r.stage.padEnd(8)}`;

/** A markdown table, the first three columns left-aligned and the rest right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 3 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ')} |`;
  return [line(headers), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The line printed as a row arrives. */
export function rowLine(r: StageRow): string {
  if (!r.stats) return `${head(r)} skipped: ${r.skipped}`;
  const m = r.memory!;
  const dispatches = r.dispatches !== undefined ? `, ${r.dispatches} dispatches` : '';
  return `${head(r)} ${r.stats.medianMs.toFixed(0)} ms (min ${r.stats.minMs.toFixed(0)}, max ${r.stats.maxMs.toFixed(0)}), first ${msUnit(r.firstStepMs)}, ${r.kernels} kernels (${r.profileEntries} profile entries)${dispatches}, tensors ${m.before.numTensors} -> ${m.after.numTensors}`;
}

const rate = (g: number, t: number) => `${g.toFixed(2)} GMAC in ${t.toFixed(0)} ms (${t > 0 ? (g / (t / 1000)).toFixed(1) : '-'} GMAC/s)`;

/** The step table, the skipped rows, the convolutions' multiply-adds and the top kernels. */
export function stepReport(rows: StageRow[]): string[] {
  const withDispatches = rows.some((r) => r.dispatches !== undefined);
  const out = ['ms per training step (batch 2):'];
  out.push(table(
    ['backend', 'size', 'stage', 'median', 'min', 'max', 'first step', 'warm-up', 'kernels/step (profile entries)', ...(withDispatches ? ['dispatches/step'] : []), 'tensors before->after', 'MB before->after', 'loss'],
    rows.map((r) => {
      if (!r.stats) return [r.backend, r.size, r.stage, 'skipped', '', '', ms(r.firstStepMs), '', '', ...(withDispatches ? [''] : []), '', '', ''];
      const m = r.memory!;
      return [r.backend, r.size, r.stage, ms(r.stats.medianMs), ms(r.stats.minMs), ms(r.stats.maxMs), ms(r.firstStepMs), ms(r.warmupMs), `${r.kernels} (${r.profileEntries})`,
        ...(withDispatches ? [r.dispatches !== undefined ? String(r.dispatches) : '-'] : []),
        `${m.before.numTensors} -> ${m.after.numTensors}`, `${mb(m.before.numBytes)} -> ${mb(m.after.numBytes)}`, r.lastLoss?.toPrecision(4) ?? '-'];
    }),
  ));
  out.push('  (ms; median, min and max of the timed steps; "first step" includes shader / wasm compilation; "warm-up" is all untimed steps;');
  out.push('   kernels/step: the registered kernels of one profiled step, in brackets all its tf.profile entries with the custom-gradient');
  out.push(`   and scope wrappers;${withDispatches ? ' dispatches/step: its dispatchWorkgroups calls (webgpu);' : ''} tensors and MB: tf.memory() around the timed steps; src/bench/core.ts)`);
  const skipped = rows.filter((r) => !r.stats);
  if (skipped.length) out.push('', 'skipped:', ...skipped.map((r) => `  ${r.backend} ${r.size} ${r.stage}: ${r.skipped}`));
  const conv = rows.filter((r) => (r.convGmacs ?? 0) > 0 || r.native);
  if (conv.length) {
    out.push('', 'convolutions per step: tfjs kernels in the profiled step; our own wasm kernels (forward, weight and input gradients; not in tf.profile) per timed step:');
    for (const r of conv) {
      const tfjs = (r.convGmacs ?? 0) > 0 ? `tfjs ${rate(r.convGmacs!, r.convMs ?? 0)}` : '';
      const n = r.native;
      const own = n ? `own: forward ${rate(n.forwardGmacs, n.forwardMs)}; weights ${rate(n.gmacs, n.ms)}; inputs ${rate(n.inputGmacs, n.inputMs)}` : '';
      out.push(`  ${head(r)} ${[tfjs, own].filter(Boolean).join('; ')}`);
    }
  }
  const top = rows.filter((r) => r.topKernels);
  if (top.length) out.push('', 'top kernels of one profiled step (ms / calls):');
  for (const r of top) {
    const by = r.kernelTimes ? '' : ` [no kernel times: ${r.kernelTimeNote}; ordered by calls]`;
    out.push(`  ${head(r)} ${r.topKernels!.map((k) => (r.kernelTimes ? `${k.name} ${k.ms.toFixed(0)}/${k.calls}` : `${k.name} x${k.calls}`)).join(', ')}${by}`);
  }
  return out;
}

/** Both networks' inference times in one line. */
export function inferenceText(i: InferenceReport): string {
  const one = (med?: number, first?: number) => (med !== undefined ? `${med.toFixed(0)} ms (first ${first?.toFixed(0)})` : first !== undefined ? `first run ${first.toFixed(0)} ms only` : '-');
  return `StereoNet ${one(i.stereoMs, i.stereoFirstMs)}, SingleNet ${one(i.singleMs, i.singleFirstMs)}${i.stereoRuns !== undefined ? `, median of ${i.stereoRuns} / ${i.singleRuns} runs` : ''}${i.notes.length ? ` (${i.notes.join('; ')})` : ''}`;
}

/** Inference by backend: the median of the runs after the first, and the first. */
export function inferenceTable(list: { backend: string; report?: InferenceReport; missing?: string }[]): string {
  return ['inference at 1242x375 (padded to 1248x384), batch 1, ms (median of the runs after the first):', table(
    ['backend', 'StereoNet', 'first', 'SingleNet', 'first', 'runs after the first', 'notes'],
    list.map(({ backend, report: i, missing }) => (i
      ? [backend, ms(i.stereoMs), ms(i.stereoFirstMs), ms(i.singleMs), ms(i.singleFirstMs), i.stereoRuns !== undefined ? `${i.stereoRuns} / ${i.singleRuns}` : String(i.runs), i.notes.join('; ')]
      : [backend, '-', '-', '-', '-', '-', missing ?? 'not run'])),
  )].join('\n');
}
