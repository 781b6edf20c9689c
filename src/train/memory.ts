// Will a training step fit in the WebAssembly backend's heap? wasm32 addresses at most 4 GiB, and a
// step that needs more aborts the whole module ("Aborted()"), taking the weights in it along. So the
// runner refuses such settings on wasm before the first step, with a message that says what to change.
import type { StageName, TrainSettings } from '../config/settings';

/** The wasm heap's ceiling (tfjs-backend-wasm 4.22's getHeapMax()). */
export const WASM_HEAP_BYTES = 4294901760;

/**
 * Peak tensor bytes of one training step per crop pixel per batch item, by preset and stage: tf.profile's
 * peakBytes on wasm at 256x128 and 512x256 with batch 2 and 256x128 with batch 4 (linear in pixels x batch to
 * within 1 %), rounded up. Default preset: 846 MiB for stage 1 at 256x128 batch 2, 3,354 MiB at 512x256.
 */
const KIB_PER_PIXEL: Record<TrainSettings['preset'], Record<StageName, number>> = {
  default: { stereo: 13.3, distill: 2.5, fuse: 13.3 },
  tiny: { stereo: 6.8, distill: 1.4, fuse: 6.8 },
};

/** Estimated peak bytes of one training step of `stage`. */
export function stepBytes(s: Pick<TrainSettings, 'width' | 'height' | 'batch' | 'preset'>, stage: StageName): number {
  return s.width * s.height * s.batch * KIB_PER_PIXEL[s.preset][stage] * 1024;
}

/** Why these settings cannot train `stages` on wasm, or undefined when they fit. */
export function wasmMemoryProblem(s: Pick<TrainSettings, 'width' | 'height' | 'batch' | 'preset'>, stages: readonly StageName[]): string | undefined {
  const worst = stages.reduce<StageName | undefined>((w, st) => (w === undefined || stepBytes(s, st) > stepBytes(s, w) ? st : w), undefined);
  if (worst === undefined) return undefined;
  const need = stepBytes(s, worst);
  if (need <= WASM_HEAP_BYTES) return undefined;
  const perPixel = KIB_PER_PIXEL[s.preset][worst] * 1024;
  const heightFor = (batch: number) => Math.floor(WASM_HEAP_BYTES / perPixel / batch / s.width / 32) * 32;
  const maxBatch = Math.floor(WASM_HEAP_BYTES / perPixel / (s.width * s.height));
  const options = [
    heightFor(s.batch) >= 32 ? `crops of ${s.width}x${heightFor(s.batch)}` : undefined,
    maxBatch >= 1 ? `batch ${maxBatch}` : undefined,
    heightFor(s.batch) < 32 && maxBatch < 1 && heightFor(1) >= 32 ? `batch 1 with crops of ${s.width}x${heightFor(1)}` : undefined,
    'a GPU (WebGPU)',
  ].filter(Boolean);
  return `Training crops of ${s.width}x${s.height} with batch ${s.batch} need about ${(need / 1e9).toFixed(1)} GB of memory per step on WebAssembly, which can use at most 4.3 GB: use ${options.join(', or ')}.`;
}
