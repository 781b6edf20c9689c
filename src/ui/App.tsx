// The page: what the app is, which backend it runs on, a self-test, and a live status line.
import type { AppState } from '../state/store';
import { BackendPanel } from './BackendPanel';
import { SelftestPanel } from './SelftestPanel';
import { useApp } from './StoreContext';
import { BACKEND_LABEL } from './labels';

/** One line for the live region, from the state of the run. */
export function statusText(s: AppState): string {
  if (s.runtime.error !== undefined) return `Error: ${s.runtime.error}`;
  if (s.runtime.initialising) return 'Starting the compute backend…';
  if (!s.runtime.ready || s.runtime.backend === undefined) return 'Not started.';
  if (s.selftest.running) return 'Self-test running…';
  if (s.selftest.error !== undefined) return `Self-test failed: ${s.selftest.error}`;
  if (s.selftest.result !== undefined) {
    const r = s.selftest.result;
    return `Self-test ${r.ok ? 'passed' : 'failed'} in ${Math.round(r.ms)} ms on ${BACKEND_LABEL[r.backend]}.`;
  }
  return `Ready on ${BACKEND_LABEL[s.runtime.backend]}.`;
}

export function App() {
  const status = useApp(statusText);
  return (
    <main>
      <h1>Reciprocal Depth</h1>
      <p>
        Trains a stereo depth network and a single-image depth network from stereo photo pairs, live in your browser,
        with no ground truth: each network teaches the other. This early build picks a compute backend and self-tests
        both networks; training is not wired up yet.
      </p>
      <p role="status" aria-live="polite" data-testid="status">
        {status}
      </p>
      <BackendPanel />
      <SelftestPanel />
    </main>
  );
}
