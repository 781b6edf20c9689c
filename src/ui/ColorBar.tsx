// Legends under the panels: a colour bar with its range for disparity maps (the range is written
// from the drawing loop, not through React), and the band table of the error map.
import { useEffect, useRef, type RefObject } from 'react';
import { colorbar, ERROR_BANDS, type ColormapName } from '../core/colormap';
import type { RangeSource } from './maps';
import { useApp } from './StoreContext';

/** Says where the range on the bar comes from, on hover. */
const SOURCE_TITLE: Record<RangeSource | 'own', string> = {
  gt: "Disparity in px. Shared by every disparity panel: the GT's 1st–99th percentile, so equal colours are equal disparities.",
  maps: "Disparity in px. Shared by every disparity panel: the union of the maps' 1st–99th percentiles, so equal colours are equal disparities.",
  fixed: 'Disparity in px: the fixed range set under View, the same for every disparity panel.',
  own: "Disparity in px: this map's own 1st–99th percentile (colours do not compare across panels).",
};

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1));

export function ColorBar({ rangeIn, cmap }: { rangeIn: RefObject<((range?: [number, number], source?: RangeSource) => void) | null>; cmap?: ColormapName }) {
  const viewCmap = useApp((s) => s.view.cmap);
  const name = cmap ?? viewCmap;
  const barRef = useRef<HTMLCanvasElement>(null);
  const loRef = useRef<HTMLSpanElement>(null);
  const hiRef = useRef<HTMLSpanElement>(null);
  const boxRef = useRef<HTMLSpanElement>(null);

  useEffect(() => {
    const ctx = barRef.current?.getContext('2d');
    if (ctx) ctx.putImageData(new ImageData(colorbar(name, 256) as Uint8ClampedArray<ArrayBuffer>, 256, 1), 0, 0);
  }, [name]);

  useEffect(() => {
    let last = '';
    rangeIn.current = (range, source) => {
      const text = range ? `${fmt(range[0])}|${fmt(range[1])}|${source ?? 'own'}` : '';
      if (text === last) return;
      last = text;
      const [lo, hi] = range ? [fmt(range[0]), `${fmt(range[1])} px`] : ['', ''];
      if (loRef.current) loRef.current.textContent = lo;
      if (hiRef.current) hiRef.current.textContent = hi;
      if (boxRef.current) {
        boxRef.current.title = range ? SOURCE_TITLE[source ?? 'own'] : '';
        boxRef.current.dataset.rangeSource = range ? (source ?? 'own') : '';
      }
    };
    return () => {
      rangeIn.current = null;
    };
  }, [rangeIn]);

  return (
    <span ref={boxRef} className="colorbar">
      <span ref={loRef} className="colorbar-lo" />
      <canvas ref={barRef} width={256} height={1} aria-hidden="true" />
      <span ref={hiRef} className="colorbar-hi" />
    </span>
  );
}

export function ErrorLegend() {
  return (
    <span className="error-legend" title="Absolute disparity error against GT (KITTI colours); black: no GT">
      {ERROR_BANDS.map((b) => (
        <span key={b.lo} className="swatch" style={{ background: `rgb(${b.rgb.join(',')})` }} title={`${b.lo}–${b.hi} px`} />
      ))}
      <span> 0 → 48+ px</span>
    </span>
  );
}
