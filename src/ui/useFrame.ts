// Calls `draw` on every animation frame while the component is mounted. `draw` should return
// at once when nothing it shows has changed (compare version counters), so idle panels cost little.
import { useEffect, useRef } from 'react';

export function useFrame(draw: () => void): void {
  const latest = useRef(draw);
  latest.current = draw;
  useEffect(() => {
    let id = 0;
    const loop = () => {
      latest.current();
      id = requestAnimationFrame(loop);
    };
    id = requestAnimationFrame(loop);
    return () => cancelAnimationFrame(id);
  }, []);
}

/** Whether any of `deps` differs from the previous call's (by identity); remembers them. */
export function useChanged(): (deps: readonly unknown[]) => boolean {
  const last = useRef<readonly unknown[] | null>(null);
  return (deps) => {
    const prev = last.current;
    const changed = prev === null || prev.length !== deps.length || deps.some((d, i) => d !== prev[i]);
    if (changed) last.current = deps;
    return changed;
  };
}
