// The bench worker: runs the measurement off the main thread, as the app's training worker does
// (same module-worker setup, so wasm threads and WebGL on an OffscreenCanvas behave the same).
import { runBench } from './measure';
import type { BenchMsg, BenchParams } from './types';

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = (ev: MessageEvent<{ params: BenchParams; pageCrossOriginIsolated: boolean }>) => {
  void runBench(ev.data.params, (msg: BenchMsg) => scope.postMessage(msg), ev.data.pageCrossOriginIsolated);
};
scope.postMessage({ type: 'progress', phase: 'worker loaded', expectMs: 60_000 } satisfies BenchMsg);
