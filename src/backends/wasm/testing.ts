// Test hooks for the wasm kernels' helper threads (./threadPool.ts), kept out of the production modules: the step check
// cli/nodeWebgpuCheck.ts (run by cli/nodeWasmThreads.test.ts) imports them; the app, the CLI and the benchmarks never do.
import { poolHelpers, poolSettings } from './threadPool';

/** Split even the smallest convolutions between the threads (0: always, where there is a helper). */
export function setNativeSplitMin(macs: number): void {
  poolSettings.splitMinMacs = macs;
}

/** Stops the first helper's thread without telling the pool, which then finds out by the timeout it is given. */
export function killNativeHelperForTest(timeoutMs: number): void {
  poolSettings.helperTimeoutMs = timeoutMs;
  poolHelpers()[0]?.stop();
}
