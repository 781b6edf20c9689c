// Live loss curves of one stage (uPlot, log scale), redrawn in requestAnimationFrame from the
// loss history in the buffers when it changed. Tall enough that each decade of loss gets room
// (a run spans several), y labels spaced so they never overlap (logTicks), and a legend of
// buttons that show or hide each term, since the terms' curves often lie on top of each other.
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { STAGE_LABELS, type StageName } from '../config/settings';
import { fmtLoss, logTicks } from './logTicks';
import { useAppStore } from './StoreContext';
import { useFrame } from './useFrame';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
/** Whole steps only on the x axis. */
const STEP_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000];
/** Canvas height in CSS px, x axis included: leaves a plot ~200 px high, ~33 px a decade over six decades. */
const CHART_HEIGHT = 260;
/** Closest two y labels may be, in CSS px: a label line (12 px font) and room to breathe. */
const LABEL_GAP_PX = 20;

/** Term names in legend order: total first, then alphabetical. */
const ordered = (terms: Iterable<string>) => [...terms].sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : a.localeCompare(b)));

export function LossChart({ stage }: { stage: StageName }) {
  const store = useAppStore();
  const boxRef = useRef<HTMLDivElement>(null);
  const plot = useRef<{ u: uPlot; terms: string } | null>(null);
  const drawn = useRef(-1);
  /** The stage's terms (React state: they change once a run, and the legend renders them). */
  const [names, setNames] = useState<readonly string[]>([]);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());
  const hiddenRef = useRef(hidden);
  hiddenRef.current = hidden;

  useEffect(
    () => () => {
      plot.current?.u.destroy();
      plot.current = null;
    },
    [],
  );

  // Legend buttons -> series visibility (series 0 is the x axis).
  useEffect(() => {
    const u = plot.current?.u;
    if (!u) return;
    names.forEach((n, i) => {
      const show = !hidden.has(n);
      if (u.series[i + 1]?.show !== show) u.setSeries(i + 1, { show });
    });
  }, [hidden, names]);

  useFrame(() => {
    const { buffers } = store.getState();
    const box = boxRef.current;
    if (drawn.current === buffers.lossVersion || !box) return;
    drawn.current = buffers.lossVersion;
    const h = buffers.losses[stage];
    const terms = ordered(h.terms.keys());
    const key = terms.join(',');
    if (plot.current && plot.current.terms !== key) {
      plot.current.u.destroy();
      plot.current = null;
    }
    setNames((prev) => (prev.join(',') === key ? prev : h.steps.length === 0 ? [] : terms));
    if (h.steps.length === 0) return;
    // Log scale: values that are not > 0 become gaps.
    const data: uPlot.AlignedData = [h.steps, ...terms.map((n) => h.terms.get(n)!.map((v) => (v > 0 && Number.isFinite(v) ? v : null)))];
    if (!plot.current) {
      const width = Math.max(240, box.parentElement?.parentElement?.clientWidth ?? 0);
      const opts: uPlot.Options = {
        width,
        height: CHART_HEIGHT,
        title: STAGE_LABELS[stage],
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [
          { label: 'step', incrs: STEP_INCRS, size: 32, labelSize: 20 },
          {
            size: 56,
            // Our own ticks (not uPlot's 1..9 per decade, then filtered): never closer than LABEL_GAP_PX.
            splits: (u, _i, min, max) => logTicks(min, max, u.bbox.height / uPlot.pxRatio, LABEL_GAP_PX),
            filter: (_u, splits) => splits,
            values: (u, splits) => {
              const labels = splits.map(fmtLoss);
              // What the axis shows and where (CSS px from the plot top), for tests and tooling.
              box.dataset.yLabels = splits.map((v, i) => `${labels[i]}@${u.valToPos(v, 'y').toFixed(1)}`).join(';');
              return labels;
            },
          },
        ],
        legend: { show: false },
        series: [{ label: 'step' }, ...terms.map((n, i) => ({ label: n, stroke: COLOURS[i % COLOURS.length], width: n === 'total' ? 2 : 1, spanGaps: false, show: !hiddenRef.current.has(n) }))],
      };
      plot.current = { u: new uPlot(opts, data, box), terms: key };
    } else {
      plot.current.u.setData(data);
    }
  });

  const toggle = (n: string) =>
    setHidden((prev) => {
      const next = new Set(prev);
      if (!next.delete(n)) next.add(n);
      return next;
    });

  return (
    <div className="loss-chart" hidden={names.length === 0}>
      <div ref={boxRef} role="img" aria-label={`Loss curves of stage ${STAGE_LABELS[stage]}`} />
      <div role="group" aria-label={`Loss terms of stage ${STAGE_LABELS[stage]}: show or hide`} style={LEGEND}>
        {names.map((n, i) => (
          <button key={n} type="button" aria-pressed={!hidden.has(n)} onClick={() => toggle(n)} style={{ ...TERM, opacity: hidden.has(n) ? 0.45 : 1 }} title={`${hidden.has(n) ? 'Show' : 'Hide'} ${n}`}>
            <span aria-hidden="true" style={{ ...SWATCH, background: hidden.has(n) ? 'transparent' : COLOURS[i % COLOURS.length], borderColor: COLOURS[i % COLOURS.length] }} />
            {n}
          </button>
        ))}
      </div>
    </div>
  );
}

// Inline: app.css belongs to the page layout.
const LEGEND = { display: 'flex', flexWrap: 'wrap', gap: '0.3rem', justifyContent: 'center' } as const;
const TERM = { minHeight: 28, display: 'inline-flex', alignItems: 'center', gap: '0.35rem' } as const;
const SWATCH = { display: 'inline-block', width: 12, height: 12, border: '2px solid', borderRadius: 2 } as const;
