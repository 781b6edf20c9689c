// The pairs of the dataset with thumbnails: choose the pair the panels show, swap its views,
// remove it. The list scrolls to the pairs just added, which may land below the fold.
import { useEffect, useRef } from 'react';
import type { PairMeta } from '../state/dataset';
import { useApp, useAppStore } from './StoreContext';
import './uploads.css';

const THUMB_WIDTH = 96;

function Thumbnail({ id }: { id: string }) {
  const store = useAppStore();
  const version = useApp((s) => s.dataset.version);
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const scene = store.getState().buffers.scenes.get(id);
    const canvas = ref.current;
    if (!scene || !canvas) return;
    const w = THUMB_WIDTH;
    const h = Math.max(1, Math.round((scene.height * w) / scene.width));
    [canvas.width, canvas.height] = [w, h];
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) {
      const sy = Math.floor((y * scene.height) / h);
      for (let x = 0; x < w; x++) {
        const i = 3 * (sy * scene.width + Math.floor((x * scene.width) / w));
        const o = 4 * (y * w + x);
        rgba[o] = scene.leftImg.data[i] * 255;
        rgba[o + 1] = scene.leftImg.data[i + 1] * 255;
        rgba[o + 2] = scene.leftImg.data[i + 2] * 255;
        rgba[o + 3] = 255;
      }
    }
    canvas.getContext('2d')?.putImageData(new ImageData(rgba, w, h), 0, 0);
  }, [store, id, version]);
  return <canvas ref={ref} className="thumb" aria-hidden="true" />;
}

function PairRow({ pair, selected }: { pair: PairMeta; selected: boolean }) {
  const select = useApp((s) => s.selectPair);
  const remove = useApp((s) => s.removePair);
  const swap = useApp((s) => s.swapPair);
  const details = [
    `${pair.width}×${pair.height}`,
    pair.hasGt ? 'GT' : 'no GT',
    pair.hasMask ? 'mask' : '',
    pair.calib ? (pair.ndisp !== undefined ? `calib · ndisp ${pair.ndisp}` : 'calib') : '',
    pair.factor > 1 ? `downscaled ×${pair.factor}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const c = pair.calib;
  const calibTitle = c ? `\n${c.source}: focal ${+c.focalPx.toFixed(2)} px, baseline ${+(c.baselineM * 1000).toFixed(3)} mm, doffs ${+c.doffs.toFixed(3)} px` : '';
  return (
    <li className={selected ? 'pair selected' : 'pair'} data-pair-id={pair.id}>
      <button type="button" className="pair-select" aria-pressed={selected} onClick={() => select(pair.id)} title={`${pair.files.left} + ${pair.files.right}${calibTitle}`}>
        <Thumbnail id={pair.id} />
        <span className="pair-name">{pair.name}</span>
        <span className="pair-details">{details}</span>
      </button>
      <button type="button" className="pair-action" aria-label={`Swap the views of ${pair.name}`} title="Swap left and right views" onClick={() => swap(pair.id)}>
        ⇄
      </button>
      <button type="button" className="pair-action" aria-label={`Remove ${pair.name}`} title="Remove this pair" onClick={() => remove(pair.id)}>
        ×
      </button>
    </li>
  );
}

export function PairsList() {
  const pairs = useApp((s) => s.dataset.pairs);
  const selectedId = useApp((s) => s.dataset.selectedId);
  const lastAdded = useApp((s) => s.dataset.lastAdded);
  const list = useRef<HTMLUListElement>(null);
  // Scroll to the first pair of each intake (not on every selection: a click is already in view,
  // and the sample scenes load at the top).
  useEffect(() => {
    if (!lastAdded) return;
    list.current?.querySelector(`[data-pair-id="${CSS.escape(lastAdded.id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [lastAdded]);
  if (pairs.length === 0) return <p className="muted">No pairs yet: add some above.</p>;
  return (
    <ul className="pairs" aria-label="Stereo pairs" ref={list}>
      {pairs.map((p) => (
        <PairRow key={p.id} pair={p} selected={p.id === selectedId} />
      ))}
    </ul>
  );
}
