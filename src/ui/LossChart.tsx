// Live loss curves of one stage (uPlot, log scale), redrawn in requestAnimationFrame from the
// loss history in the buffers when it changed.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { STAGE_LABELS, type StageName } from '../config/settings';
import { useAppStore } from './StoreContext';
import { useFrame } from './useFrame';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
/** Whole steps only on the x axis. */
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
/** Tick labels; uPlot may pass null for ticks it leaves out. */
const fmtLoss = (v: number | null) => (v === null || !Number.isFinite(v) ? '' : v >= 0.01 ? String(Number(v.toPrecision(2))) : v.toExponential(0));

export function LossChart({ stage }: { stage: StageName }) {
  const store = useAppStore();
  const boxRef = useRef<HTMLDivElement>(null);
  const plot = useRef<{ u: uPlot; terms: string } | null>(null);
  const drawn = useRef(-1);

  useEffect(
    () => () => {
      plot.current?.u.destroy();
      plot.current = null;
    },
    [],
  );

  useFrame(() => {
    const { buffers } = store.getState();
    if (drawn.current === buffers.lossVersion || !boxRef.current) return;
    drawn.current = buffers.lossVersion;
    const h = buffers.losses[stage];
    const names = [...h.terms.keys()].sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : a.localeCompare(b)));
    const terms = names.join(',');
    if (plot.current && plot.current.terms !== terms) {
      plot.current.u.destroy();
      plot.current = null;
    }
    if (h.steps.length === 0) return;
    // Log scale: values that are not > 0 become gaps.
    const data: uPlot.AlignedData = [h.steps, ...names.map((n) => h.terms.get(n)!.map((v) => (v > 0 && Number.isFinite(v) ? v : null)))];
    if (!plot.current) {
      const width = Math.max(240, boxRef.current.parentElement?.clientWidth ?? 0);
      const opts: uPlot.Options = {
        width,
        height: 150,
        title: STAGE_LABELS[stage],
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [
          { label: 'step', incrs: STEP_INCRS },
          { size: 56, values: (_u, ticks) => ticks.map(fmtLoss) },
        ],
        legend: { live: false },
        series: [{ label: 'step' }, ...names.map((n, i) => ({ label: n, stroke: COLOURS[i % COLOURS.length], width: n === 'total' ? 2 : 1, spanGaps: false }))],
      };
      plot.current = { u: new uPlot(opts, data, boxRef.current), terms };
    } else {
      plot.current.u.setData(data);
    }
  });

  return <div ref={boxRef} className="loss-chart" role="img" aria-label={`Loss curves of stage ${STAGE_LABELS[stage]}`} />;
}
