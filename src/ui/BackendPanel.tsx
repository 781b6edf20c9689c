// Which compute backend the worker runs on, and why the better ones were passed over.
import { useApp } from './StoreContext';
import { BACKEND_LABEL } from '../config/backends';

export function BackendPanel() {
  const backend = useApp((s) => s.runtime.backend);
  const requested = useApp((s) => s.runtime.requested);
  const ready = useApp((s) => s.runtime.ready);
  const initialising = useApp((s) => s.runtime.initialising);
  const reasons = useApp((s) => s.runtime.reasons);
  const adapter = useApp((s) => s.runtime.adapter);
  const warmupMs = useApp((s) => s.runtime.warmupMs);
  const isolated = useApp((s) => s.runtime.crossOriginIsolated);
  const wasmThreads = useApp((s) => s.runtime.wasmThreads);
  const wasmThreadsNote = useApp((s) => s.runtime.wasmThreadsNote);
  const wasmConvThreads = useApp((s) => s.runtime.wasmConvThreads);
  const pageHasWebGpu = useApp((s) => s.runtime.pageHasWebGpu);
  const ignoredParam = useApp((s) => s.runtime.ignoredBackendParam);
  const incidents = useApp((s) => s.runtime.incidents);

  return (
    <section aria-labelledby="backend-heading">
      <h2 id="backend-heading">Compute backend</h2>
      {initialising && <p>Choosing a backend{requested ? ` (requested: ${BACKEND_LABEL[requested]})` : ''}…</p>}
      {ready && backend && (
        <p>
          Running on <strong data-testid="backend-name">{BACKEND_LABEL[backend]}</strong>
          {requested && requested !== backend && (
            <>
              {' '}
              — <strong>the requested backend {BACKEND_LABEL[requested]} failed</strong>
            </>
          )}
          {warmupMs !== undefined && <> (warm-up {Math.round(warmupMs)} ms)</>}.
        </p>
      )}
      {incidents.length > 0 && (
        <ul className="incidents" role="alert" aria-label="Backend incidents" data-testid="backend-incidents">
          {incidents.map((text, i) => (
            <li key={i}>{text}</li>
          ))}
        </ul>
      )}
      {ready && backend === 'wasm' && wasmThreads !== undefined && (
        <p data-testid="wasm-threads">
          WebAssembly threads: {wasmThreads}
          {isolated
            ? ` (${wasmThreadsNote ?? 'as tfjs chose'}; the page is cross-origin isolated).`
            : ' (single-threaded: the page is not cross-origin isolated; serve it with the COOP and COEP headers, see the README).'}
        </p>
      )}
      {ready && backend === 'wasm' && wasmConvThreads !== undefined && (
        <p data-testid="wasm-conv">
          {wasmConvThreads > 0
            ? `Convolutions: the app's own WebAssembly SIMD kernels, on ${wasmConvThreads} thread${wasmConvThreads > 1 ? 's' : ''}.`
            : "Convolutions: tfjs's kernels (the app's own need WebAssembly SIMD, which did not load here): training is slower."}
        </p>
      )}
      {ready && reasons.length > 0 && (
        <ul data-testid="backend-reasons">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      {adapter && (
        <p>
          WebGPU adapter: {[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' / ') || 'unnamed'}
          {adapter.isFallback ? ' (software fallback, not a GPU)' : ''}.
        </p>
      )}
      {(!pageHasWebGpu || (ready && adapter === undefined)) && (
        <p data-testid="webgpu-hint">
          {pageHasWebGpu ? 'WebGPU is present but offers no adapter (disabled or blocklisted).' : 'This browser does not expose WebGPU.'}{' '}
          For GPU training use Chrome or Edge 113 or newer; on Linux you may need to enable{' '}
          <code>chrome://flags/#enable-unsafe-webgpu</code>.
        </p>
      )}
      {ignoredParam !== undefined && (
        <p>
          Ignored <code>?backend={ignoredParam}</code>: use one of webgpu, webgl, wasm, cpu.
        </p>
      )}
    </section>
  );
}
