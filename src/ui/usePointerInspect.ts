// Pointer and keyboard handling shared by every map canvas: hover sets the inspected point,
// the wheel zooms about the cursor, dragging pans, double-click or 0 resets; arrow keys pan and
// + / - zoom. On the compare canvas a press on the divider drags the divider instead. On a touch
// screen, where nothing hovers, a tap or a tap-and-hold sets the inspected point, and after the
// hold the finger slides the point instead of scrolling the page. All of it goes to the shared
// view state, so the panels stay in step.
import { useEffect, type RefObject } from 'react';
import { useAppStore } from './StoreContext';

/** How far from the compare divider (CSS px, each side) a press grabs it: a finger is wider than a cursor. */
export const SPLIT_GRAB_PX = { mouse: 8, touch: 22 } as const;
/** A touch held this long (ms) without moving shows the read-out and slides it with the finger. */
export const HOLD_MS = 350;
/** A touch that moves further than this (CSS px) before the hold is a scroll or a pan, not a hold. */
const HOLD_SLOP_PX = 10;

export interface InspectOptions {
  /** The compare canvas: a press on the divider (view.split) drags it instead of panning. */
  split?: boolean;
}

/** Whether a pointer at clientX is on the divider at `split` (0..1 of the canvas width). */
export function onDivider(clientX: number, left: number, width: number, split: number, pointerType: string): boolean {
  const grab = pointerType === 'touch' ? SPLIT_GRAB_PX.touch : SPLIT_GRAB_PX.mouse;
  return Math.abs(clientX - (left + split * width)) <= grab;
}

export function usePointerInspect(ref: RefObject<HTMLCanvasElement | null>, opts: InspectOptions = {}): void {
  const store = useAppStore();
  const split = opts.split ?? false;
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
    const isOnDivider = (e: PointerEvent) => {
      if (!split) return false;
      const rect = el.getBoundingClientRect();
      return onDivider(e.clientX, rect.left, rect.width, store.getState().view.split, e.pointerType);
    };
    const inspect = (clientX: number, clientY: number) => {
      const p = toImage(clientX, clientY);
      const inside = p.u >= 0 && p.u < 1 && p.v >= 0 && p.v < 1;
      store.getState().setHover(inside ? { u: p.u, v: p.v } : undefined);
    };
    let drag: { kind: 'pan'; fx: number; fy: number } | { kind: 'split' } | undefined;
    /** The touch in progress: where it started, its hold timer, and whether the hold has fired. */
    let touch: { id: number; x0: number; y0: number; timer: number; held: boolean; moved: boolean } | undefined;
    const endTouch = () => {
      if (touch) window.clearTimeout(touch.timer);
      touch = undefined;
    };

    const onMove = (e: PointerEvent) => {
      if (drag?.kind === 'split') {
        const { fx } = toImage(e.clientX, e.clientY);
        store.getState().setView({ split: Math.min(1, Math.max(0, fx)) });
        return;
      }
      if (touch && e.pointerId === touch.id && !touch.held && Math.hypot(e.clientX - touch.x0, e.clientY - touch.y0) > HOLD_SLOP_PX) {
        window.clearTimeout(touch.timer);
        touch.moved = true;
      }
      if (drag) {
        const p = toImage(e.clientX, e.clientY);
        const { scale } = store.getState().view.zoom;
        store.getState().panBy(-(p.fx - drag.fx) / scale, -(p.fy - drag.fy) / scale);
        drag = { kind: 'pan', fx: p.fx, fy: p.fy };
      }
      if (e.pointerType === 'mouse' && split) el.style.cursor = isOnDivider(e) ? 'ew-resize' : '';
      inspect(e.clientX, e.clientY);
    };
    const onDown = (e: PointerEvent) => {
      if (e.button !== 0) return;
      if (isOnDivider(e)) {
        drag = { kind: 'split' };
        capture(e);
        return;
      }
      if (e.pointerType === 'touch') {
        endTouch();
        const t = { id: e.pointerId, x0: e.clientX, y0: e.clientY, timer: 0, held: false, moved: false };
        t.timer = window.setTimeout(() => {
          t.held = true;
          inspect(t.x0, t.y0);
        }, HOLD_MS);
        touch = t;
        // One finger pans only a zoomed view; at 1x it may scroll the page (see MapCanvas's touch-action).
        if (store.getState().view.zoom.scale <= 1) return;
      }
      const p = toImage(e.clientX, e.clientY);
      drag = { kind: 'pan', fx: p.fx, fy: p.fy };
      capture(e);
    };
    const capture = (e: PointerEvent) => {
      // A synthetic or already-ended pointer cannot be captured; the drag still works inside the canvas.
      try {
        el.setPointerCapture(e.pointerId);
      } catch {
        /* nothing to capture */
      }
    };
    const onUp = (e: PointerEvent) => {
      // A tap (a touch that neither moved nor was held) shows the read-out at its point.
      if (touch && e.pointerId === touch.id && !touch.held && !touch.moved) inspect(e.clientX, e.clientY);
      endTouch();
      drag = undefined;
      if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
    };
    const onCancel = (e: PointerEvent) => {
      endTouch();
      drag = undefined;
      if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
    };
    const onLeave = (e: PointerEvent) => {
      // A finger leaves when it lifts: keep its read-out, there is no hover to follow.
      if (!drag && e.pointerType !== 'touch') store.getState().setHover(undefined);
    };
    // After the hold, or while the divider moves, the finger works the map: the page must not scroll.
    const onTouchMove = (e: TouchEvent) => {
      if ((touch?.held || drag?.kind === 'split') && e.cancelable) e.preventDefault();
    };
    // A long press would open the context menu on a phone.
    const onContextMenu = (e: Event) => {
      if (touch?.held) e.preventDefault();
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

    const listeners: [string, EventListener, AddEventListenerOptions?][] = [
      ['pointermove', onMove as EventListener],
      ['pointerdown', onDown as EventListener],
      ['pointerup', onUp as EventListener],
      ['pointercancel', onCancel as EventListener],
      ['pointerleave', onLeave as EventListener],
      ['touchmove', onTouchMove as EventListener, { passive: false }],
      ['contextmenu', onContextMenu],
      ['wheel', onWheel as EventListener, { passive: false }],
      ['keydown', onKey as EventListener],
      ['dblclick', onDouble],
    ];
    for (const [type, fn, o] of listeners) el.addEventListener(type, fn, o);
    return () => {
      endTouch();
      for (const [type, fn] of listeners) el.removeEventListener(type, fn);
    };
  }, [ref, store, split]);
}
