// Pointer and keyboard handling shared by every map canvas: hover sets the inspected point,
// the wheel zooms about the cursor, dragging pans, double-click or 0 resets; arrow keys pan and
// + / - zoom. All of it goes to the shared view state, so the panels stay in step.
import { useEffect, type RefObject } from 'react';
import { useAppStore } from './StoreContext';

export function usePointerInspect(ref: RefObject<HTMLCanvasElement | null>): void {
  const store = useAppStore();
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    /** Image fractions (u, v) under a client point, through the current zoom. */
    const toImage = (clientX: number, clientY: number) => {
      const rect = el.getBoundingClientRect();
      const { scale, cu, cv } = store.getState().view.zoom;
      const fx = (clientX - rect.left) / rect.width;
      const fy = (clientY - rect.top) / rect.height;
      return { u: cu + (fx - 0.5) / scale, v: cv + (fy - 0.5) / scale, fx, fy };
    };
    let drag: { fx: number; fy: number } | undefined;

    const onMove = (e: PointerEvent) => {
      const p = toImage(e.clientX, e.clientY);
      const s = store.getState();
      if (drag) {
        const { scale } = s.view.zoom;
        s.panBy(-(p.fx - drag.fx) / scale, -(p.fy - drag.fy) / scale);
        drag = { fx: p.fx, fy: p.fy };
      }
      const inside = p.u >= 0 && p.u < 1 && p.v >= 0 && p.v < 1;
      s.setHover(inside ? { u: p.u, v: p.v } : undefined);
    };
    const onDown = (e: PointerEvent) => {
      if (e.button !== 0) return;
      const p = toImage(e.clientX, e.clientY);
      drag = { fx: p.fx, fy: p.fy };
      el.setPointerCapture(e.pointerId);
    };
    const onUp = (e: PointerEvent) => {
      drag = undefined;
      if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
    };
    const onLeave = () => {
      if (!drag) store.getState().setHover(undefined);
    };
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const p = toImage(e.clientX, e.clientY);
      store.getState().zoomAt(p.u, p.v, e.deltaY < 0 ? 1.25 : 0.8);
    };
    const onKey = (e: KeyboardEvent) => {
      const s = store.getState();
      const { scale, cu, cv } = s.view.zoom;
      const step = 0.1 / scale;
      const actions: Record<string, () => void> = {
        ArrowLeft: () => s.panBy(-step, 0),
        ArrowRight: () => s.panBy(step, 0),
        ArrowUp: () => s.panBy(0, -step),
        ArrowDown: () => s.panBy(0, step),
        '+': () => s.zoomAt(cu, cv, 1.25),
        '=': () => s.zoomAt(cu, cv, 1.25),
        '-': () => s.zoomAt(cu, cv, 0.8),
        '0': () => s.resetZoom(),
      };
      const act = actions[e.key];
      if (act) {
        e.preventDefault();
        act();
      }
    };
    const onDouble = () => store.getState().resetZoom();

    el.addEventListener('pointermove', onMove);
    el.addEventListener('pointerdown', onDown);
    el.addEventListener('pointerup', onUp);
    el.addEventListener('pointercancel', onUp);
    el.addEventListener('pointerleave', onLeave);
    el.addEventListener('wheel', onWheel, { passive: false });
    el.addEventListener('keydown', onKey);
    el.addEventListener('dblclick', onDouble);
    return () => {
      el.removeEventListener('pointermove', onMove);
      el.removeEventListener('pointerdown', onDown);
      el.removeEventListener('pointerup', onUp);
      el.removeEventListener('pointercancel', onUp);
      el.removeEventListener('pointerleave', onLeave);
      el.removeEventListener('wheel', onWheel);
      el.removeEventListener('keydown', onKey);
      el.removeEventListener('dblclick', onDouble);
    };
  }, [ref, store]);
}
