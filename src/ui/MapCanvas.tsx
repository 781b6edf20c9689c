// One canvas that draws one map (or two, split by the compare slider) of the selected pair from
// the buffers, in requestAnimationFrame and only when something it shows changed. Zoom, pan and
// the crosshair come from the shared view state, so every panel shows the same place.
import { useRef, type RefObject } from 'react';
import type { AppState } from '../state/store';
import type { MapKey } from '../state/view';
import { mapSource, occlusionOverlay, panelsRange, renderMap, type MapSource, type RangeSource, type SharedRange } from './maps';
import { useApp, useAppStore } from './StoreContext';
import { useChanged, useFrame } from './useFrame';
import { usePointerInspect } from './usePointerInspect';

interface Bitmap {
  sig: string;
  canvas: OffscreenCanvas;
  range?: [number, number];
}

function toBitmap(rgba: Uint8ClampedArray, width: number, height: number): OffscreenCanvas {
  const c = new OffscreenCanvas(width, height);
  c.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, width, height), 0, 0);
  return c;
}

/** The data array a source is drawn from (its identity tells when it changed). */
function dataOf(src: MapSource): object {
  return src.kind === 'error' ? src.pred : src.data;
}

/** The compare divider at x: a white line with a round grip halfway down, so it reads as draggable. */
function drawDivider(ctx: CanvasRenderingContext2D, x: number, W: number, H: number): void {
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = Math.max(1, W / 300);
  ctx.beginPath();
  ctx.moveTo(x, 0);
  ctx.lineTo(x, H);
  ctx.stroke();
  const r = Math.max(5, Math.min(W, H) / 18);
  ctx.fillStyle = 'rgba(255, 255, 255, 0.9)';
  ctx.beginPath();
  ctx.arc(x, H / 2, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = '#333'; // arrows pointing both ways
  const a = r * 0.5;
  ctx.beginPath();
  ctx.moveTo(x - a * 1.4, H / 2);
  ctx.lineTo(x - a * 0.3, H / 2 - a);
  ctx.lineTo(x - a * 0.3, H / 2 + a);
  ctx.moveTo(x + a * 1.4, H / 2);
  ctx.lineTo(x + a * 0.3, H / 2 - a);
  ctx.lineTo(x + a * 0.3, H / 2 + a);
  ctx.fill();
}

export interface MapCanvasProps {
  /** One map, or two for the compare view (A left of the split, B right of it). */
  keys: readonly MapKey[];
  /** Draw the occlusion map over the first map, with the view's overlay opacity. */
  overlay?: boolean;
  /** Gets the colour range of the first map (scene px) whenever it changes, and where a shared range comes from. */
  rangeOut?: RefObject<((range?: [number, number], source?: RangeSource) => void) | null>;
  label: string;
}

export function MapCanvas({ keys, overlay = false, rangeOut, label }: MapCanvasProps) {
  const store = useAppStore();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const bitmaps = useRef(new WeakMap<object, Bitmap>());
  const changed = useChanged();
  const compare = keys.length === 2;
  usePointerInspect(canvasRef, { split: compare });
  // Touch: at 1x a vertical swipe scrolls the page past the maps (a phone shows them one under
  // another), and horizontal moves are the canvas's (the compare divider, the read-out); a
  // zoomed view takes every move, to pan. A selected boolean: re-renders only when it flips.
  const zoomed = useApp((s) => s.view.zoom.scale > 1);

  const bitmapOf = (src: MapSource, s: AppState, sceneWidth: number, shared?: SharedRange, tint = false): Bitmap => {
    const v = s.view;
    const sig = src.kind === 'disp' ? `${v.cmap}|${shared ? shared.range.join(',') : 'own'}|${tint}` : `${tint}`;
    const data = dataOf(src);
    const hit = bitmaps.current.get(data);
    if (hit && hit.sig === sig) return hit;
    const r = tint && src.kind === 'occ' ? { rgba: occlusionOverlay(src.data) } : renderMap(src, { cmap: v.cmap, range: shared?.range, sceneWidth });
    const bmp = { sig, canvas: toBitmap(r.rgba, src.width, src.height), range: r.range };
    bitmaps.current.set(data, bmp);
    return bmp;
  };

  useFrame(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const s = store.getState();
    const id = s.dataset.selectedId;
    if (!changed([s.buffers.version, s.training.previewVersion, id, s.view, s.dataset.version])) return;
    const scene = id !== undefined ? s.buffers.scenes.get(id) : undefined;
    const W = scene?.width ?? 160;
    const H = scene?.height ?? 90;
    if (canvas.width !== W || canvas.height !== H) [canvas.width, canvas.height] = [W, H];
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#222';
    ctx.fillRect(0, 0, W, H);
    const sources = keys.map((k) => mapSource(k, scene, s.buffers, s.view.errorOf));
    // One range for every disparity panel (when the view asks for it), so equal colours are equal disparities.
    const shared = panelsRange(scene, s.buffers, s.view);
    const { scale, cu, cv } = s.view.zoom;
    ctx.imageSmoothingEnabled = scale < 2;
    const place = () => ctx.setTransform(scale, 0, 0, scale, W / 2 - cu * W * scale, H / 2 - cv * H * scale);

    sources.forEach((src, i) => {
      if (!src) return;
      const bmp = bitmapOf(src, s, W, shared);
      if (i === 0) rangeOut?.current?.(bmp.range, shared?.source);
      ctx.save();
      if (i === 1) {
        ctx.beginPath();
        ctx.rect(s.view.split * W, 0, W, H);
        ctx.clip();
      }
      place();
      ctx.drawImage(bmp.canvas, 0, 0, W, H);
      if (i === 0 && overlay && s.view.overlay > 0) {
        const occ = mapSource('occlusion', scene, s.buffers, s.view.errorOf);
        if (occ) {
          ctx.globalAlpha = s.view.overlay;
          ctx.drawImage(bitmapOf(occ, s, W, undefined, true).canvas, 0, 0, W, H);
        }
      }
      ctx.restore();
    });
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    if (!sources[0]) {
      rangeOut?.current?.(undefined);
      ctx.fillStyle = '#bbb';
      ctx.font = `${Math.max(10, Math.round(H / 12))}px sans-serif`;
      ctx.textAlign = 'center';
      ctx.fillText(scene ? 'no map yet: press Train' : 'no pair selected', W / 2, H / 2);
    }
    if (compare) drawDivider(ctx, s.view.split * W, W, H);
    const hover = s.view.hover;
    if (hover && scene) {
      const x = (hover.u - cu) * W * scale + W / 2;
      const y = (hover.v - cv) * H * scale + H / 2;
      ctx.strokeStyle = 'rgba(0, 255, 255, 0.9)';
      ctx.lineWidth = Math.max(1, W / 400);
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, H);
      ctx.moveTo(0, y);
      ctx.lineTo(W, y);
      ctx.stroke();
    }
  });

  const help = `hover (or tap and hold) to read values, wheel to zoom, drag to pan, 0 or double-click to reset${compare ? ', drag the white divider to move it' : ''}`;
  return <canvas ref={canvasRef} className="map-canvas" style={{ touchAction: zoomed ? 'none' : 'pan-y' }} tabIndex={0} aria-label={`${label}: ${help}`} />;
}
